using System.Text.Json;
using IlgpuBlindSpots.Cli;

namespace IlgpuBlindSpots.Tests.Cli;

/// <summary>
/// <c>blindspots train --adversarial</c> in-process on 200 training digits of the committed sample:
/// it runs, records the pool's options in the model file, and bad pool options are one line.
/// </summary>
public sealed class AdversarialTrainingTests : IDisposable
{
    private readonly DigitsFolder digits = new();

    public void Dispose() => digits.Dispose();

    private string Model => Path.Combine(digits.Out, "adv.safetensors");

    [Fact]
    public void AdversarialTrainingRunsAndRecordsThePoolOptions()
    {
        var (code, stdout, stderr) = CliRun.Run("train", "--arch", "fc:16,sigmoid,dropout:0.2,fc:10", "--data", digits.Data, "--epochs", "2",
            "--batch", "20", "--optimizer", "sgd", "--lr", "0.2", "--seed", "3", "--adversarial", "--pool-size", "40",
            "--pool-refresh", "10/3", "--pool-share", "0.2", "--pool-target", "next", "--pool-search", "6/15", "--out", Model, "--json");
        Assert.True(code == 0, stderr);
        var meta = SafetensorsFile.Read(Model).Metadata;
        Assert.Equal("yes", meta["adversarial"]);
        Assert.Equal("40", meta["pool_size"]);
        Assert.Equal("10/3", meta["pool_refresh"]);
        Assert.Equal("0.2", meta["pool_share"]);
        Assert.Equal("4 pool + 16 training", meta["pool_rows_per_batch"]);
        Assert.Equal("next", meta["pool_target"]);
        Assert.Contains("attack=lbfgs rounds<=6 ", meta["pool"]);
        Assert.EndsWith("iterations<=15", meta["pool"]);
        Assert.True(long.Parse(meta["pool_evaluations_last_run"]) > 0);
        Assert.Contains("--adversarial", meta["command"]);
        // 200 examples at 16 per batch: 13 batches per epoch, 26 steps; 10 attacked before steps 0, 3, …, 24.
        Assert.Equal("90", meta["pool_attacked_last_run"]);
        Assert.True(int.Parse(meta["pool_made_last_run"]) > 0);
        Assert.Equal(new[] { "adv.safetensors" }, Directory.GetFiles(digits.Out).Select(Path.GetFileName));
        using var json = JsonDocument.Parse(stdout.Trim());
        var adversarial = json.RootElement.GetProperty("adversarial");
        Assert.Equal(40, adversarial.GetProperty("pool_size").GetInt32());
        Assert.Equal(90, adversarial.GetProperty("attacked").GetInt64());
        Assert.InRange(json.RootElement.GetProperty("test_error").GetDouble(), 0, 0.9);

        // Without --adversarial the record says so.
        string plain = Path.Combine(digits.Out, "plain.safetensors");
        Assert.Equal(0, CliRun.Run("train", "--arch", "fc:10", "--data", digits.Data, "--epochs", "1", "--out", plain).Code);
        Assert.Equal("no", SafetensorsFile.Read(plain).Metadata["adversarial"]);
    }

    [Fact]
    public void APoolPerLayerIsRecordedWithWhatEachMade()
    {
        var (code, stdout, stderr) = CliRun.Run("train", "--arch", "fc:16,sigmoid,fc:12,sigmoid,fc:10", "--data", digits.Data, "--epochs", "2",
            "--batch", "20", "--optimizer", "sgd", "--lr", "0.5", "--seed", "3", "--adversarial", "--pool-size", "40",
            "--pool-refresh", "10/3", "--pool-layers", "all", "--pool-target", "any", "--out", Model, "--json");
        Assert.True(code == 0, stderr);
        var meta = SafetensorsFile.Read(Model).Metadata;
        Assert.Equal("0,2,4", meta["pool_layers"]);
        Assert.Equal(3, meta["pool"].Split("; ").Length);
        Assert.StartsWith("layer=2 size=40", meta["pool"].Split("; ")[1]);
        // 200 examples at 15 per batch (5 pool rows of 20): 14 batches per epoch, 28 steps, 10 regenerations of 10.
        Assert.EndsWith(" of 100", meta["pool_layer2_made_last_run"]);
        Assert.EndsWith(" of 100", meta["pool_layer4_made_last_run"]);
        using var json = JsonDocument.Parse(stdout.Trim());
        var layers = json.RootElement.GetProperty("adversarial").GetProperty("layers");
        Assert.Equal([0, 2, 4], layers.EnumerateArray().Select(l => l.GetProperty("layer").GetInt32()));
        Assert.All(layers.EnumerateArray(), l => Assert.Equal(100, l.GetProperty("attacked").GetInt64()));
    }

    public static TheoryData<string[], string> BadPoolOptions => new()
    {
        { ["--adversarial", "--pool-share", "1.5"], "--pool-share" },
        { ["--adversarial", "--pool-share", "0"], "--pool-share" },
        { ["--adversarial", "--pool-share", "0.01"], "--pool-share" },
        { ["--adversarial", "--pool-size", "0"], "--pool-size" },
        { ["--adversarial", "--pool-refresh", "0/5"], "--pool-refresh" },
        { ["--adversarial", "--pool-refresh", "10/0"], "--pool-refresh" },
        { ["--adversarial", "--pool-refresh", "ten"], "--pool-refresh" },
        { ["--adversarial", "--pool-refresh", "1/2/3"], "--pool-refresh" },
        { ["--adversarial", "--pool-target", "sideways"], "--pool-target" },
        { ["--adversarial", "--pool-search", "0/10"], "--pool-search" },
        { ["--adversarial", "--pool-search", "4/-1"], "--pool-search" },
        { ["--adversarial", "--pool-search", "many"], "--pool-search" },
        { ["--pool-search", "4/10"], "--adversarial" },
        { ["--adversarial", "--pool-layers", "all"], "--pool-layers all" },
        { ["--adversarial", "--pool-layers", "1"], "--pool-layers" },
        { ["--adversarial", "--pool-layers", "0,0"], "--pool-layers" },
        { ["--adversarial", "--pool-layers", "hidden"], "--pool-layers" },
        { ["--pool-layers", "all"], "--adversarial" },
        { ["--adversarial", "--pool-max-distortion", "0"], "--pool-max-distortion" },
        { ["--adversarial", "--pool-max-distortion", "-0.1"], "--pool-max-distortion" },
        { ["--pool-max-distortion", "0.1"], "--adversarial" },
        { ["--pool-share", "0.3"], "--adversarial" },
        { ["--pool-size", "100"], "--adversarial" },
    };

    [Theory]
    [MemberData(nameof(BadPoolOptions))]
    public void BadPoolOptionsAreOneLineExitCodeTwoAndNoFile(string[] options, string fragment)
    {
        string line = CliRun.Refused(CliRun.Run(["train", "--arch", "fc:10", "--data", digits.Data, "--batch", "20", "--out", Model, .. options]));
        Assert.Contains(fragment, line);
        Assert.Empty(Directory.GetFileSystemEntries(digits.Out));
    }
}
