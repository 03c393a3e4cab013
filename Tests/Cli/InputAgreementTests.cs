using Google.Protobuf;
using IlgpuBlindSpots.Cli.AttackRuns;
using Onnx;

namespace IlgpuBlindSpots.Tests.Cli;

/// <summary>
/// Inputs that look acceptable but are not (images of the right pixel count but the wrong shape,
/// ONNX weights that are not numbers) and inputs that are acceptable but looked otherwise (PNG files
/// named in upper case): each command tells them apart the same way.
/// </summary>
public sealed class InputAgreementTests : CliTest
{
    [Fact]
    public void EvalRefusesImagesOfTheRightPixelCountButTheWrongShape()
    {
        string data = folder.File("wide");
        Directory.CreateDirectory(data);
        var images = IdxFile.ReadImages(RepoFiles.Sample("t10k-images-idx3-ubyte.gz"));
        IdxFile.Write(Path.Combine(data, "t10k-images-idx3-ubyte.gz"), [images.Dimensions[0], 14, 56], images.Data, gzip: true);
        File.Copy(RepoFiles.Sample("t10k-labels-idx1-ubyte.gz"), Path.Combine(data, "t10k-labels-idx1-ubyte.gz"));
        string line = CliRun.Refused(CliRun.Run("eval", "--model", Model, "--data", data, "--device", TestDevice.Spec));
        Assert.Contains("images of 1×14×56 do not fit the model's input 1×28×28", line);
        // The attack already refused them; both commands now agree.
        Assert.Contains("do not fit the model's input", CliRun.Refused(CliRun.Run("attack", "--model", Model, "--data", data,
            "--range", "0:2", "--device", TestDevice.Spec, "--out", folder.File("a"))));
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "+Inf")]
    [InlineData(float.NegativeInfinity, "-Inf")]
    public void OnnxWeightsThatAreNotNumbersAreRefusedAsSafetensorsRefusesThem(float value, string named)
    {
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(RepoFiles.Root, "models", "pytorch-fc100-100-10.onnx")));
        var weight = proto.Graph.Initializer.First(t => t.Dims.Count == 2 && t.RawData.Length > 0);
        var raw = weight.RawData.ToByteArray();
        BitConverter.GetBytes(value).CopyTo(raw, 4 * 7);
        weight.RawData = ByteString.CopyFrom(raw);
        string path = folder.File("bad.onnx");
        File.WriteAllBytes(path, proto.ToByteArray());
        string line = CliRun.Refused(CliRun.Run("eval", "--model", path, "--data", "sample", "--range", "0:10", "--device", TestDevice.Spec));
        Assert.StartsWith($"blindspots: {path}: ", line);
        // The chain importer names the value; the graph importer names the initializer.
        Assert.Matches($@"a constant holds {System.Text.RegularExpressions.Regex.Escape(named)} at index |initializer '[^']+' holds NaN or infinite values", line);
    }

    [Fact]
    public void AFolderOfUpperCasePngFilesIsTakenForImages()
    {
        string pngs = folder.File("camera");
        Directory.CreateDirectory(pngs);
        var digits = Dataset.FromIdx(RepoFiles.Sample("t10k-images-idx3-ubyte.gz"), RepoFiles.Sample("t10k-labels-idx1-ubyte.gz"));
        for (int i = 0; i < 3; i++)
            PngImages.WriteGrid(Path.Combine(pngs, $"IMG_{i:D4}.PNG"), digits.Image(i), 1, 1, 28, 28, 1);
        string output = folder.File("a");
        var (code, _, err) = CliRun.Run("attack", "--model", Model, "--data", pngs, "--device", TestDevice.Spec, "--out", output);
        Assert.True(code == 0, err);
        var run = RunReader.ReadComplete(output);
        Assert.Equal(3, run.Results.Count);
        Assert.Equal(pngs, run.Description["data"]);
    }
}
