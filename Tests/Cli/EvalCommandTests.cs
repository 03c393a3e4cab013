using IlgpuBlindSpots.Cli;
using IlgpuBlindSpots.Network.Training;

namespace IlgpuBlindSpots.Tests.Cli;

/// <summary>
/// <c>blindspots eval</c> on an ONNX model: what the import changed is one line each on stderr, and
/// <c>--predictions</c> writes the predicted class of every example, one per line, in data order.
/// </summary>
public class EvalCommandTests
{
    private static string OnnxModel => Path.Combine(RepoFiles.Root, "models", "pytorch-fc100-100-10.onnx");
    private static string SampleFolder => Path.Combine(RepoFiles.DataRoot, "sample");

    [Fact]
    public void OnnxImportNoticesGoToStderrOneLineEach()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Run(["eval", "--model", OnnxModel, "--data", SampleFolder, "--range", "0:20", "--device", TestDevice.Spec], stdout, stderr);
        Assert.True(code == 0, stderr.ToString());
        var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.All(lines, l => Assert.StartsWith(OnnxModel + ": ", l));
        Assert.Contains(lines, l => l.Contains("input normalisation") && l.Contains("norm:"));
        Assert.Contains(lines, l => l.Contains("trailing Softmax") && l.Contains("dropped"));
        Assert.Contains("error", stdout.ToString());
    }

    [Fact]
    public void PredictionsFileHoldsTheModelsClassOfEveryExampleInOrder()
    {
        using var folder = new TempFolder();
        string file = folder.File("predictions.txt");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Run(["eval", "--model", OnnxModel, "--data", SampleFolder, "--range", "100:300", "--device", TestDevice.Spec,
            "--batch", "128", "--predictions", file], stdout, stderr);
        Assert.True(code == 0, stderr.ToString());

        string text = File.ReadAllText(file);
        Assert.EndsWith("\n", text);
        int[] written = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
        var data = Dataset.Load("sample", DatasetSplit.Test, RepoFiles.DataRoot).Slice(100, 300);
        using var model = OnnxModelFile.Load(TestDevice.Current, OnnxModel);
        Assert.Equal(Evaluator.Evaluate(model, data).Predictions, written);
        // The file and the printed error count describe the same predictions.
        int errors = written.Zip(data.Labels).Count(p => p.First != p.Second);
        Assert.Contains($"({errors}/300)", stdout.ToString());
    }

    [Fact]
    public void UnwritablePredictionsPathIsOneLineAndExitCodeTwo()
    {
        using var folder = new TempFolder();
        string blocker = folder.File("file");
        File.WriteAllText(blocker, "");
        string line = CliRun.Refused(CliRun.Run(["eval", "--model", OnnxModel, "--data", SampleFolder, "--range", "0:10", "--device", TestDevice.Spec,
            "--predictions", Path.Combine(blocker, "predictions.txt")]));
        Assert.Contains("predictions.txt", line);
    }
}
