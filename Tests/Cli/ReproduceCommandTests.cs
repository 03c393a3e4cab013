using System.Globalization;
using System.Text.Json;
using IlgpuBlindSpots.Cli;
using IlgpuBlindSpots.Cli.AttackRuns;
using IlgpuBlindSpots.Cli.Transfer;
using IlgpuBlindSpots.Network.Training;

namespace IlgpuBlindSpots.Tests.Cli;

/// <summary>
/// One run of <c>reproduce --profile tiny</c> on an IDX folder made from the committed sample (all
/// 1,000 digits as the training split, the last 200 as the test split: a smoke test of the pipeline,
/// whose numbers mean little), shared by the tests below.
/// </summary>
public sealed class TinyReproduction : IDisposable
{
    private readonly TempFolder folder = new();

    public TinyReproduction()
    {
        Data = Path.Combine(folder.Path, "digits");
        Out = Path.Combine(folder.Path, "reproduce");
        SampleDigits.WriteFolder(Data, 0, 1000, 800, 200);
        (Code, Stdout, Stderr) = CliRun.Run("reproduce", "--profile", "tiny", "--data", Data, "--out", Out, "--device", TestDevice.Spec);
    }

    public string Data { get; }
    public string Out { get; }
    public int Code { get; }
    public string Stdout { get; }
    public string Stderr { get; }
    public string Report => File.ReadAllText(Path.Combine(Out, "REPORT.md"));

    public void Dispose() => folder.Dispose();
}

public sealed class ReproduceCommandTests(TinyReproduction run) : IClassFixture<TinyReproduction>
{
    private static readonly string[] Table1Models = ["fc10-1e-4", "fc10-1e-2", "fc10-1", "fc100-100-10", "fc200-200-10", "ae400-10"];
    private static readonly string[] Table3Models = ["fc100-100-10-p1", "fc100-100-10-p1-seed2", "fc100-100-10-p2"];

    [Fact]
    public void TheReportHasEveryTableAndFigure()
    {
        Assert.True(run.Code == 0, run.Stderr);
        string report = run.Report;
        foreach (string heading in new[] { "## Table 1", "## Table 2", "## Table 3", "## Table 4", "## Figures", "## Stages" })
            Assert.Contains(heading, report);
        Assert.Contains("TINY profile", report);
        Assert.Contains($"- device: {TestDevice.Current.Id}", report);
        foreach (string file in new[] { "transfer-table2/transfer.png", "transfer-table4/transfer.png", "figure7a.png", "figure7b.png", "figure7c.png" })
        {
            Assert.Contains($"]({file})", report);
            Assert.True(new FileInfo(Path.Combine(run.Out, file)).Length > 100, file);
        }
        // Every stage ran and says so, in order.
        Assert.Equal(Enumerable.Range(1, 20), run.Stderr.Split('\n').Where(l => l.Contains(": done in ")).Select(l => int.Parse(l[1..l.IndexOf('/')], CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Table1AndTable3NumbersComeFromTheModelsAndAttacks()
    {
        Assert.True(run.Code == 0, run.Stderr);
        string report = run.Report;
        var test = Dataset.LoadDirectory(run.Data, DatasetSplit.Test);
        foreach (string name in Table1Models.Concat(Table3Models))
        {
            string modelFile = Path.Combine(run.Out, "models", name + ".safetensors");
            using var model = ModelFile.Load(TestDevice.Current, modelFile);
            double testError = Evaluator.Evaluate(model, test).ErrorRate;
            var summary = AttackReport.Summarise(RunReader.ReadComplete(Path.Combine(run.Out, "attacks", name)).Results);
            string row = report.Split('\n').Single(l => l.StartsWith($"| {name} |", StringComparison.Ordinal));
            Assert.Contains($"**{(100 * testError).ToString("F2", CultureInfo.InvariantCulture)}%**", row);
            Assert.Contains($"**{summary.MeanDistortion.ToString("F4", CultureInfo.InvariantCulture)}**", row);
            Assert.Equal(12, summary.Examples);
        }
    }

    [Fact]
    public void TransferCellsAreTheErrorRatesOfTheSetsOnTheModels()
    {
        Assert.True(run.Code == 0, run.Stderr);
        foreach (var (table, models) in new[] { ("transfer-table2", Table1Models), ("transfer-table4", Table3Models) })
        {
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(run.Out, table, "transfer.json")));
            var rows = json.RootElement.GetProperty("rows");
            for (int r = 0; r < models.Length; r++)
            {
                // Recompute row r directly: the exact adversarial inputs of model r's attack, fed to every model.
                var set = AdversarialSet.Load(Path.Combine(run.Out, "attacks", models[r]));
                var rates = rows[r].GetProperty("error_rates").EnumerateArray().Select(e => e.GetDouble()).ToArray();
                for (int c = 0; c < models.Length; c++)
                {
                    using var model = ModelFile.Load(TestDevice.Current, Path.Combine(run.Out, "models", models[c] + ".safetensors"));
                    var predictions = Evaluator.Evaluate(model, new Dataset(set.Adversarials, set.Labels, 1, 28, 28, 10, "set")).Predictions;
                    double expected = predictions.Zip(set.Labels).Count(p => p.First != p.Second) / (double)set.Count;
                    Assert.Equal(expected, rates[c], 12);
                }
            }
            Assert.Equal(table == "transfer-table2" ? 6 + 2 : 3 + 3 + 2, rows.GetArrayLength());
        }
        Assert.Contains("amplified to 0.1", run.Report);
        Assert.Contains("Gaussian noise, stddev 0.06", run.Report);
    }

    [Fact]
    public void ASecondRunReusesEveryStageAndACachedModelWithAnotherRecipeIsTrainedAgain()
    {
        Assert.True(run.Code == 0, run.Stderr);
        lock (run)
        {
            // Rewrite fc10-1's record as if it had been trained for 99 epochs.
            string file = Path.Combine(run.Out, "models", "fc10-1.safetensors");
            var st = SafetensorsFile.Read(file);
            var metadata = st.Metadata.ToDictionary(kv => kv.Key, kv => kv.Value);
            metadata["epochs"] = "99";
            SafetensorsFile.Write(file, st.Tensors, metadata);

            var (code, _, stderr) = CliRun.Run("reproduce", "--profile", "tiny", "--data", run.Data, "--out", run.Out, "--device", TestDevice.Spec);
            Assert.True(code == 0, stderr);
            Assert.Contains("trained with epochs = 99, this profile needs 3; not reused", stderr);
            Assert.Contains("attack fc10-1: done in", stderr);
            Assert.Contains("attacks/fc10-1: made for another model or range; attacking again", stderr.Replace('\\', '/'));
            Assert.Equal("3", SafetensorsFile.Read(file).Metadata["epochs"]);
            foreach (string name in Table1Models.Concat(Table3Models).Where(n => n != "fc10-1"))
            {
                Assert.Contains($"train {name}: already made, reused", stderr);
                Assert.Contains($"attack {name}: already made, reused", stderr);
            }
        }
    }

    [Theory]
    [InlineData("--quick --full", "--quick and --full: choose one profile")]
    [InlineData("--profile huge", "--profile 'huge': expected quick, full, tiny")]
    [InlineData("--full --profile quick", "--profile quick contradicts --full")]
    [InlineData("--quick --max-epochs 0", "--max-epochs must be a positive integer, got 0")]
    [InlineData("--quick --models no-such-folder", "--models no-such-folder: no such folder")]
    public void BadOptionsAreOneLineAndWriteNothing(string options, string message)
    {
        string outDir = Path.Combine(Path.GetDirectoryName(run.Out)!, "refused");
        string stderr = CliRun.Refused(CliRun.Run(["reproduce", .. options.Split(' '), "--data", run.Data, "--out", outDir, "--device", TestDevice.Spec]));
        Assert.Contains(message, stderr);
        Assert.False(Directory.Exists(outDir));
    }
}
