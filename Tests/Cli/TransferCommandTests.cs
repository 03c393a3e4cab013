using IlgpuBlindSpots.Cli;
using IlgpuBlindSpots.Cli.Transfer;

namespace IlgpuBlindSpots.Tests.Cli;

/// <summary>
/// <c>transfer</c> on two small attacks of the committed fc100-100-10 on the sample digits: its
/// tables, and every bad input answered with one line and exit code 2, writing nothing.
/// </summary>
public sealed class TransferCommandTests : IDisposable
{
    private readonly TempFolder folder = new();
    private readonly string model = Path.Combine(RepoFiles.Root, "models", "fc100-100-10.safetensors");
    private readonly string setA, setB;

    public TransferCommandTests()
    {
        setA = folder.File("a");
        setB = folder.File("b");
        foreach (var (dir, range) in new[] { (setA, "0:16"), (setB, "16:16") })
        {
            var (code, _, err) = CliRun.Run("attack", "--model", model, "--data", "sample", "--range", range, "--batch", "16",
                "--device", TestDevice.Spec, "--out", dir);
            Assert.True(code == 0, err);
        }
    }

    public void Dispose() => folder.Dispose();

    [Fact]
    public void WritesTheMatrixWithNoiseAndAmplifiedRows()
    {
        string outDir = folder.File("t");
        var (code, stdout, stderr) = CliRun.Run("transfer", "--sets", $"{setA},{setB}", "--models", model, "--noise", "0.1,0.3",
            "--amplify", "0.1", "--device", TestDevice.Spec, "--out", outDir);
        Assert.True(code == 0, stderr);
        // Both sets were made for this model: each of its own adversarial examples fools it.
        var rows = stdout.Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal) && !l.StartsWith("| set", StringComparison.Ordinal)).ToList();
        Assert.Equal(2 + 2 + 2, rows.Count);
        Assert.StartsWith("| fc100-100-10 (", rows[0]);
        Assert.Contains(" | 100% | ", rows[0]);
        Assert.Contains(" | 100% | ", rows[1]);
        foreach (string f in new[] { "transfer.md", "transfer.csv", "transfer.json", "transfer.png" })
            Assert.True(new FileInfo(Path.Combine(outDir, f)).Length > 50, f);
        string csv = File.ReadAllText(Path.Combine(outDir, "transfer.csv"));
        Assert.StartsWith("set,kind,count,fc100-100-10,mean_distortion", csv);
        // Noise on the clean inputs of every example of either set (the ranges are disjoint).
        int examples = AdversarialSet.Load(setA).Count + AdversarialSet.Load(setB).Count;
        Assert.Contains($"\"Gaussian noise, stddev 0.3\",GaussianNoise,{examples},", csv);
    }

    [Fact]
    public void AnOnnxModelIsAColumnAndItsImportIsAnnounced()
    {
        string onnx = Path.Combine(RepoFiles.Root, "models", "pytorch-fc100-100-10.onnx");
        var (code, stdout, stderr) = CliRun.Run("transfer", "--sets", setA, "--models", $"{model},{onnx}", "--device", TestDevice.Spec,
            "--out", folder.File("onnx"));
        Assert.True(code == 0, stderr);
        Assert.StartsWith("| set \\ model | fc100-100-10 | pytorch-fc100-100-10 |", stdout);
        Assert.Contains("pytorch-fc100-100-10.onnx: trailing Softmax", stderr);
    }

    [Fact]
    public void APartialSetIsRefused()
    {
        var lines = File.ReadAllLines(Path.Combine(setA, "results.jsonl"));
        File.WriteAllLines(Path.Combine(setA, "results.jsonl"), lines.Take(5));
        AssertRefused($"{setA}: partial attack output, 5 of 16 examples; finish it with attack --resume", "--sets", setA, "--models", model);
    }

    [Fact]
    public void SetsFromDifferentDataAreRefused()
    {
        string run = Path.Combine(setB, "run.json");
        File.WriteAllText(run, File.ReadAllText(run).Replace("\"data_source\": \"sample test\"", "\"data_source\": \"fashion-mnist test\""));
        AssertRefused("made from fashion-mnist test, but", "--sets", $"{setA},{setB}", "--models", model);
    }

    [Fact]
    public void AModelOfAnotherInputShapeIsRefused()
    {
        string small = folder.File("small.safetensors");
        using (var m = SequentialModel.Create(TestDevice.Current, "fc:10", [1, 8, 8]))
        {
            m.Initialize(1);
            ModelFile.Save(small, m);
        }
        AssertRefused("model small takes inputs of 1×8×8, the sets hold 1×28×28", "--sets", setA, "--models", small);
    }

    [Fact]
    public void AMissingExampleFileIsRefused()
    {
        string file = Directory.EnumerateFiles(Path.Combine(setA, "adversarial"), "*.safetensors").First();
        File.Delete(file);
        AssertRefused($"its exact-input file {file} is missing", "--sets", setA, "--models", model);
    }

    private void AssertRefused(string message, params string[] args)
    {
        string outDir = folder.File("refused");
        string stderr = CliRun.Refused(CliRun.Run(["transfer", .. args, "--device", TestDevice.Spec, "--out", outDir]));
        Assert.Contains(message, stderr);
        Assert.False(Directory.Exists(outDir));
    }
}
