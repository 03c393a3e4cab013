using System.Buffers.Binary;
using IlgpuBlindSpots.Network.Layers;

namespace IlgpuBlindSpots.Tests.Cli;

/// <summary>
/// The formats Python users hand over, through <c>eval</c> and <c>attack</c>: NumPy .npy arrays with
/// labels in a second .npy and torchvision's ImageFolder layout give the same evaluation as the IDX
/// files they were made from; an input or output shape that does not fit is one line, exit code 2.
/// </summary>
public sealed class InputFormatsTests : CliTest
{
    private const int Count = 40;

    private static Dataset Sample => Dataset.Load("sample", DatasetSplit.Test, RepoFiles.DataRoot).Slice(0, Count);

    private static string ErrorLine(string stdout) => stdout[stdout.IndexOf("error ", StringComparison.Ordinal)..].Trim();

    private (string Images, string Labels) WriteNpy(NpyType imageType, bool withChannelAxis, NpyType labelType)
    {
        var sample = Sample;
        byte[] pixels = imageType == NpyType.UInt8
            ? sample.Images.Select(v => (byte)Math.Round(v * 255)).ToArray()
            : sample.Images.SelectMany(v => BitConverter.GetBytes(v)).ToArray();
        string images = folder.File($"x-{imageType}-{withChannelAxis}.npy"), labels = folder.File($"y-{labelType}.npy");
        NpyFile.Write(images, imageType, withChannelAxis ? [Count, 1, 28, 28] : [Count, 28, 28], pixels);
        var labelBytes = new byte[Count * labelType.Size()];
        for (int i = 0; i < Count; i++)
            if (labelType == NpyType.Int64) BinaryPrimitives.WriteInt64LittleEndian(labelBytes.AsSpan(8 * i), sample.Labels[i]);
            else if (labelType == NpyType.Int32) BinaryPrimitives.WriteInt32LittleEndian(labelBytes.AsSpan(4 * i), sample.Labels[i]);
            else labelBytes[i] = (byte)sample.Labels[i];
        NpyFile.Write(labels, labelType, [Count], labelBytes);
        return (images, labels);
    }

    [Theory]
    [InlineData(NpyType.UInt8, false, NpyType.Int64)]
    [InlineData(NpyType.Float32, true, NpyType.Int32)]
    [InlineData(NpyType.Float32, false, NpyType.UInt8)]
    public void NpyArraysEvaluateAsTheIdxFilesTheyCameFrom(NpyType imageType, bool withChannelAxis, NpyType labelType)
    {
        var idx = CliRun.Run("eval", "--model", Model, "--data", "sample", "--range", $"0:{Count}", "--device", TestDevice.Spec);
        Assert.True(idx.Code == 0, idx.Err);
        var (images, labels) = WriteNpy(imageType, withChannelAxis, labelType);
        var npy = CliRun.Run("eval", "--model", Model, "--data", images, "--labels", labels, "--device", TestDevice.Spec);
        Assert.True(npy.Code == 0, npy.Err);
        Assert.Equal(ErrorLine(idx.Out), ErrorLine(npy.Out));
        Assert.Contains($"/{Count})", npy.Out);
    }

    [Fact]
    public void AnImageFolderEvaluatesAsTheIdxFilesItCameFrom()
    {
        var sample = Sample;
        for (int i = 0; i < Count; i++)
        {
            string classFolder = folder.File(Path.Combine("digits", $"{sample.Labels[i]}"));
            Directory.CreateDirectory(classFolder);
            PngImages.WriteGrid(Path.Combine(classFolder, $"{i:D3}.png"), sample.Image(i), 1, 1, 28, 28, 1);
        }
        var idx = CliRun.Run("eval", "--model", Model, "--data", "sample", "--range", $"0:{Count}", "--device", TestDevice.Spec);
        string classes = string.Join(",", Enumerable.Range(0, 10));
        var images = CliRun.Run("eval", "--model", Model, "--data", folder.File("digits"), "--classes", classes, "--device", TestDevice.Spec);
        Assert.True(images.Code == 0, images.Err);
        Assert.Equal(ErrorLine(idx.Out), ErrorLine(images.Out));
        // Without the list, the class count must be the model's: digits missing from the first 40 would shift every label.
        if (sample.Labels.Distinct().Count() < 10)
            Assert.Contains("but the model gives 10; list all 10 in order with --classes",
                CliRun.Refused(CliRun.Run("eval", "--model", Model, "--data", folder.File("digits"), "--device", TestDevice.Spec)));
    }

    [Fact]
    public void BadNpyInputsAreOneLineNamingTheFileAndWriteNothing()
    {
        var (images, labels) = WriteNpy(NpyType.UInt8, false, NpyType.Int64);
        string predictions = folder.File("predictions.txt");
        string[] Eval(string data, string labelFile) =>
            ["eval", "--model", Model, "--data", data, "--labels", labelFile, "--device", TestDevice.Spec, "--predictions", predictions];

        string f8 = folder.Write("f8.npy", IlgpuBlindSpots.Tests.Data.NpyFileTests.Raw("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 28, 28), }", new byte[8 * 784]));
        Assert.Contains($"{f8}: dtype '<f8' is not supported", CliRun.Refused(CliRun.Run(Eval(f8, labels))));
        string truncated = folder.Write("truncated.npy", File.ReadAllBytes(images)[..^100]);
        Assert.Contains($"{truncated}: shape ({Count}, 28, 28) of uint8 needs", CliRun.Refused(CliRun.Run(Eval(truncated, labels))));
        string notNpy = folder.Write("model.npy", File.ReadAllBytes(Model)[..200]);
        Assert.Contains($"{notNpy}: not a NumPy .npy file", CliRun.Refused(CliRun.Run(Eval(notNpy, labels))));
        var (_, shortLabels) = (0, folder.File("short-labels.npy"));
        NpyFile.Write(shortLabels, NpyType.Int64, [3], new byte[24]);
        Assert.Contains($"{shortLabels}: labels of shape (3) do not match the {Count} images", CliRun.Refused(CliRun.Run(Eval(images, shortLabels))));
        string floatLabels = folder.File("float-labels.npy");
        NpyFile.Write(floatLabels, NpyType.Float32, [Count], new byte[4 * Count]);
        Assert.Contains($"{floatLabels}: labels are float32", CliRun.Refused(CliRun.Run(Eval(images, floatLabels))));
        string outOfRange = folder.File("bright.npy");
        NpyFile.Write(outOfRange, NpyType.Float32, [1, 28, 28], BitConverter.GetBytes(255f).Concat(new byte[4 * 783]).ToArray());
        NpyFile.Write(folder.File("one-label.npy"), NpyType.UInt8, [1], [3]);
        Assert.Contains($"{outOfRange}: value 255 at index 0 is outside [0, 1]", CliRun.Refused(CliRun.Run(Eval(outOfRange, folder.File("one-label.npy")))));
        Assert.Contains("eval needs labels", CliRun.Refused(CliRun.Run("eval", "--model", Model, "--data", images, "--device", TestDevice.Spec)));
        Assert.False(File.Exists(predictions));
    }

    [Fact]
    public void AnInputShapeThatDoesNotFitTheModelNamesBothShapes()
    {
        string colour = folder.File("colour.npy");
        NpyFile.Write(colour, NpyType.UInt8, [2, 3, 28, 28], new byte[2 * 3 * 28 * 28]);
        string line = CliRun.Refused(CliRun.Run("attack", "--model", Model, "--data", colour, "--device", TestDevice.Spec, "--out", folder.File("a")));
        Assert.Contains($"--data {colour}: images of 3×28×28 do not fit the model's input 1×28×28", line);
        Assert.False(Directory.Exists(folder.File("a")) && Directory.EnumerateFileSystemEntries(folder.File("a")).Any());
    }

    [Fact]
    public void AModelWhoseOutputIsNotBatchByClassesIsOneLine()
    {
        string path = folder.File("image-to-image.safetensors");
        using (var builder = new GraphBuilder(TestDevice.Current, [1, 28, 28]))
        using (var model = builder.Build(builder.Add("relu", new ActivationLayer(TestDevice.Current, ActivationKind.Relu), builder.Input)))
            ModelFile.Save(path, model);
        foreach (string command in new[] { "eval", "attack" })
        {
            string[] output = command == "attack" ? ["--out", folder.File("out")] : [];
            string line = CliRun.Refused(CliRun.Run([command, "--model", path, "--data", "sample", "--range", "0:2", "--device", TestDevice.Spec, .. output]));
            Assert.Contains($"--model {path}: its output is [batch, 1, 28, 28], not [batch, classes]", line);
        }
    }
}
