using System.Text.Json;
using IlgpuBlindSpots.Cli;

namespace IlgpuBlindSpots.Tests.Cli;

/// <summary>
/// The blindspots command run in-process: train/eval on a small IDX folder made from the committed
/// sample, and every bad input answered with one line on stderr, exit code 2 and no file written.
/// </summary>
public sealed class CliTests : IDisposable
{
    private readonly DigitsFolder digits = new();

    public void Dispose() => digits.Dispose();

    private string Model => Path.Combine(digits.Out, "m.safetensors");

    [Fact]
    public void TrainWritesAModelWithItsRecordAndEvalReadsIt()
    {
        var (code, stdout, stderr) = CliRun.Run("train", "--arch", "fc:16,sigmoid,fc:10", "--data", digits.Data, "--epochs", "2", "--batch", "20",
            "--lr", "0.01", "--weight-decay", "1e-4,0", "--seed", "3", "--out", Model, "--json");
        Assert.True(code == 0, stderr);
        Assert.DoesNotContain('\r', stderr);
        Assert.Equal(2, stderr.Split('\n').Count(l => l.StartsWith("epoch ")));
        using var json = JsonDocument.Parse(stdout.Trim());
        Assert.Equal(2, json.RootElement.GetProperty("epochs").GetInt32());
        double testError = json.RootElement.GetProperty("test_error").GetDouble();
        var meta = SafetensorsFile.Read(Model).Metadata;
        Assert.Equal("fc:16,sigmoid,fc:10", meta["arch"]);
        Assert.Equal("1x28x28", meta["input"]);
        Assert.Equal("1,3", meta["modules"]);
        Assert.Equal("0.0001,0", meta["weight_decay"]);
        Assert.Contains("--seed 3", meta["command"]);
        Assert.StartsWith("blindspots train", meta["command"]);
        Assert.Equal("0:200", meta["data_range"]);
        Assert.False(File.Exists(Model + ".checkpoint"));
        Assert.Equal(new[] { "m.safetensors" }, Directory.GetFiles(digits.Out).Select(Path.GetFileName));

        var (evalCode, evalOut, evalErr) = CliRun.Run("eval", "--model", Model, "--data", digits.Data, "--json");
        Assert.True(evalCode == 0, evalErr);
        using var eval = JsonDocument.Parse(evalOut.Trim());
        Assert.Equal(100, eval.RootElement.GetProperty("count").GetInt32());
        Assert.Equal(testError, eval.RootElement.GetProperty("error_rate").GetDouble());
    }

    public static TheoryData<string[], string> BadInputs => new()
    {
        { ["train", "--arch", "fc:10", "--epochs", "-1"], "--epochs" },
        { ["train", "--arch", "fc:10", "--lr", "0"], "--lr" },
        { ["train", "--arch", "fc:10", "--batch", "0"], "--batch" },
        { ["train", "--arch", "fc:10", "--momentum", "1.5"], "--momentum" },
        { ["train", "--arch", "fc:10", "--range", "150:100"], "--range" },
        { ["train", "--arch", "fc:10", "--range", "abc"], "--range" },
        { ["train", "--preset", "fc7"], "--preset" },
        { ["train"], "--preset, --arch or --init" },
        { ["train", "--arch", "fc:10,wobble"], "wobble" },
        { ["train", "--arch", "fc:10", "--optimizer", "lbfgs"], "--optimizer" },
        { ["train", "--arch", "fc:10", "--schedule", "linear"], "--schedule" },
        { ["train", "--arch", "fc:10", "--weight-decay", "-1"], "--weight-decay" },
        { ["train", "--arch", "fc:16,relu,fc:10", "--weight-decay", "1,2,3"], "--weight-decay" },
        { ["train", "--arch", "fc:10", "--epochs", "many"], "--epochs" },
        { ["train", "--arch", "fc:10", "--resume"], "--resume" },
        { ["train", "--arch", "fc:10", "--device", "cuda:7"], "cuda:7" },
        { ["train", "--arch", "fc:10", "--frobnicate"], "frobnicate" },
        { ["eval", "--model", "MISSING"], "MISSING" },
        { ["eval", "--model", "GARBAGE"], "GARBAGE" },
        { ["eval", "--model", "GARBAGE", "--split", "validation"], "--split" },
        { ["wobble"], "wobble" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void BadInputIsOneLineExitCodeTwoAndNoFile(string[] args, string fragment)
    {
        string garbage = Path.Combine(digits.Path, "garbage.safetensors");
        File.WriteAllBytes(garbage, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        var full = args.Select(a => a == "MISSING" ? Path.Combine(digits.Path, "missing.safetensors") : a == "GARBAGE" ? garbage : a).ToList();
        if (full[0] == "train")
        {
            if (!full.Contains("--data")) full.AddRange(["--data", digits.Data]);
            full.AddRange(["--out", Model]);
        }
        else if (full[0] == "eval") full.AddRange(["--data", digits.Data]);
        string line = CliRun.Refused(CliRun.Run([.. full]));
        Assert.Contains(fragment.Replace("MISSING", "missing.safetensors").Replace("GARBAGE", "garbage.safetensors"), line);
        Assert.Empty(Directory.GetFileSystemEntries(digits.Out));
    }
}
