namespace IlgpuBlindSpots.Tests.Cli;

/// <summary>
/// <c>blindspots train --init MODEL</c> in-process on 200 digits of the committed sample: training
/// starts from the file's weights and architecture, and an --init that cannot be used is one line.
/// </summary>
public sealed class FineTuningTests : IDisposable
{
    private const string Arch = "fc:16,sigmoid,fc:10";
    private readonly DigitsFolder digits = new();
    private readonly string baseModel;

    public FineTuningTests()
    {
        baseModel = Path.Combine(digits.Path, "base.safetensors");
        var (code, _, stderr) = CliRun.Run("train", "--arch", Arch, "--data", digits.Data, "--epochs", "1", "--batch", "20",
            "--optimizer", "sgd", "--lr", "0.5", "--seed", "4", "--out", baseModel);
        Assert.True(code == 0, stderr);
    }

    public void Dispose() => digits.Dispose();

    private string Tuned => Path.Combine(digits.Out, "tuned.safetensors");

    private static float MaxDifference(string a, string b)
    {
        var x = SafetensorsFile.Read(a);
        var y = SafetensorsFile.Read(b);
        Assert.Equal(x.Tensors.Select(t => t.Name), y.Tensors.Select(t => t.Name));
        return x.Tensors.Zip(y.Tensors).Max(p =>
        {
            Assert.Equal(p.First.Shape, p.Second.Shape);
            return p.First.Data.Zip(p.Second.Data).Max(v => MathF.Abs(v.First - v.Second));
        });
    }

    [Fact]
    public void TrainingStartsFromTheInitialModelsWeights()
    {
        // A vanishing learning rate leaves the starting point visible: the weights of --init, not a random draw.
        var (code, _, stderr) = CliRun.Run("train", "--init", baseModel, "--data", digits.Data, "--epochs", "1", "--batch", "20",
            "--optimizer", "sgd", "--lr", "1e-9", "--momentum", "0", "--seed", "9", "--out", Tuned);
        Assert.True(code == 0, stderr);
        Assert.InRange(MaxDifference(baseModel, Tuned), 0f, 1e-6f);
        var meta = SafetensorsFile.Read(Tuned).Metadata;
        Assert.Equal(SafetensorsFile.Read(baseModel).Metadata["arch"], meta["arch"]);
        Assert.StartsWith("base.safetensors sha256:", meta["init"]);
        Assert.Equal(64 + "base.safetensors sha256:".Length, meta["init"].Length);

        // A real learning rate moves them, and --arch naming the same network is accepted.
        string moved = Path.Combine(digits.Out, "moved.safetensors");
        (code, _, stderr) = CliRun.Run("train", "--init", baseModel, "--arch", Arch, "--data", digits.Data, "--epochs", "1",
            "--batch", "20", "--optimizer", "sgd", "--lr", "0.5", "--out", moved);
        Assert.True(code == 0, stderr);
        Assert.True(MaxDifference(baseModel, moved) > 1e-3f);
        Assert.Equal("none", SafetensorsFile.Read(baseModel).Metadata["init"]);
    }

    [Fact]
    public void AnInitialModelThatCannotBeUsedIsOneLineExitCodeTwoAndNoFile()
    {
        string otherShape = Path.Combine(digits.Path, "small-input.safetensors");
        using (var model = SequentialModel.Create(TestDevice.Current, Arch, [1, 8, 8]))
        {
            model.Initialize(1);
            ModelFile.Save(otherShape, model);
        }
        string onnx = Path.Combine(digits.Path, "model.onnx");
        File.WriteAllBytes(onnx, [1, 2, 3]);

        (string[] Args, string Fragment)[] cases =
        [
            (["--init", Path.Combine(digits.Path, "missing.safetensors")], "missing.safetensors"),
            (["--init", baseModel, "--arch", "fc:32,sigmoid,fc:10"], "--init"),
            (["--init", otherShape], "1x8x8"),
            (["--init", onnx], "--init"),
        ];
        foreach (var (args, fragment) in cases)
        {
            string line = CliRun.Refused(CliRun.Run(["train", "--data", digits.Data, "--epochs", "1", "--out", Tuned, .. args]));
            Assert.Contains(fragment, line);
            Assert.Empty(Directory.GetFileSystemEntries(digits.Out));
        }
    }
}
