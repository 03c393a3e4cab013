using IlgpuBlindSpots.Cli;
using IlgpuBlindSpots.Network.Training;

namespace IlgpuBlindSpots.Tests.Cli;

/// <summary>The offline demo end to end: bundled model on the bundled sample, report and grid written.</summary>
public class DemoTests
{
    [Fact]
    public void DemoEvaluatesTheBundledModelAndWritesReportAndGrid()
    {
        using var folder = new TempFolder();
        string outDir = folder.File("demo");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Run(["demo", "--out", outDir, "--examples", "20"], stdout, stderr);
        Assert.True(code == 0, stderr.ToString());

        // The same model and digits evaluated here directly must give the count the demo reports.
        using var model = ModelFile.Load(TestDevice.Current, Path.Combine(RepoFiles.Root, "models", "fc100-100-10.safetensors"));
        var sample = Dataset.LoadDirectory(Path.Combine(RepoFiles.DataRoot, "sample"), DatasetSplit.Test);
        var expected = Evaluator.Evaluate(model, sample);
        Assert.Contains($": {expected.Errors} errors", stdout.ToString());
        string report = File.ReadAllText(Path.Combine(outDir, "report.md"));
        Assert.Contains($"{expected.Errors} errors", report);
        Assert.Equal(expected.Errors, report.Split('\n').Count(l => l.StartsWith("| ") && !l.StartsWith("| sample")));
        if (expected.Errors > 0)
            Assert.True(new FileInfo(Path.Combine(outDir, "misclassified.png")).Length > 100);

        // The attack part: the first 20 digits, each result checked by its own record.
        var results = IlgpuBlindSpots.Cli.AttackRuns.RunReader.ReadComplete(Path.Combine(outDir, "attack")).Results;
        Assert.Equal(Enumerable.Range(0, 20), results.Select(r => r.Index).OrderBy(i => i));
        var attacked = results.Where(r => !r.AlreadyMisclassified).ToList();
        Assert.NotEmpty(attacked);
        Assert.All(attacked, r => Assert.True(r.Success && r.PredictionAfter == (r.Label + 1) % 10));
        Assert.Contains("## Minimal adversarial perturbations", report);
        Assert.True(File.Exists(Path.Combine(outDir, "attack", "figure5.png")));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1001")]
    public void AnExampleCountOutsideTheBundledDigitsIsOneLineAndNoOutput(string examples)
    {
        using var folder = new TempFolder();
        string outDir = folder.File("demo");
        Assert.Equal($"blindspots: --examples must be between 1 and the 1000 bundled digits, got {examples}",
            CliRun.Refused(CliRun.Run(["demo", "--out", outDir, "--examples", examples])));
        Assert.False(Directory.Exists(outDir));
    }
}
