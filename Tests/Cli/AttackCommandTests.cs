using IlgpuBlindSpots.Cli;
using IlgpuBlindSpots.Cli.AttackRuns;
using IlgpuBlindSpots.Optimizer.Attacks;

namespace IlgpuBlindSpots.Tests.Cli;

/// <summary>
/// The attack command end to end on the committed model and sample digits: results, interruption
/// and resume, the run lock, shards and their merge, several devices, and bad input.
/// </summary>
public sealed class AttackCommandTests : CliTest
{
    private static (int Code, string Out, string Err) Run(string[] args, TextWriter? stderr = null, CancellationToken cancel = default)
    {
        var stdout = new StringWriter();
        stderr ??= new StringWriter();
        int code = Program.Run(args, stdout, stderr, interactive: false, cancel);
        return (code, stdout.ToString(), stderr.ToString()!);
    }

    private string[] Attack(string outName, params string[] extra) =>
        ["attack", "--model", Model, "--data", "sample", "--range", "0:9", "--batch", "3", "--device", TestDevice.Spec,
            "--out", folder.File(outName), .. extra];

    private List<ResultRecord> Results(string outName) =>
        RunReader.ReadPartial(folder.File(outName), RunReader.ReadDescription(folder.File(outName)).Scope).OrderBy(r => r.Index).ToList();

    /// <summary>Per-example results without the timing, which legitimately differs between runs.</summary>
    private static List<ResultRecord> Comparable(IEnumerable<ResultRecord> results) =>
        results.Select(r => r with { Seconds = 0 }).OrderBy(r => r.Index).ToList();

    [Fact]
    public void AttackWritesResultsReportImagesAndPlots()
    {
        var (code, stdout, stderr) = Run(Attack("a"));
        Assert.True(code == 0, stderr);
        var results = Results("a");
        Assert.Equal(Enumerable.Range(0, 9), results.Select(r => r.Index));
        var attacked = results.Where(r => !r.AlreadyMisclassified).ToList();
        Assert.NotEmpty(attacked);
        Assert.All(attacked, r =>
        {
            Assert.Equal((r.Label + 1) % 10, r.Target);
            Assert.True(r.Success);
            Assert.Equal(r.Target, r.PredictionAfter);
            Assert.InRange(r.Distortion, 1e-4, 0.2);
            // The certified radius is a lower bound on any label-changing perturbation, so on the ones found.
            Assert.True(r.CertifiedL2 is > 0 && r.CertifiedL2 <= r.L2, $"certified {r.CertifiedL2} vs found {r.L2}");
        });
        foreach (string f in new[] { "summary.json", "report.md", "figure5.png", "distortion-histogram.png", "success-vs-distortion.png", "run.json" })
            Assert.True(File.Exists(Path.Combine(folder.File("a"), f)), f);
        // Each attacked example leaves its PNG and its exact float inputs.
        string adversarial = Path.Combine(folder.File("a"), "adversarial");
        Assert.Equal(results.Count(r => !r.AlreadyMisclassified), Directory.GetFiles(adversarial, "*.png").Length);
        Assert.Equal(results.Count(r => !r.AlreadyMisclassified), Directory.GetFiles(adversarial, "*.safetensors").Length);
        Assert.Contains("fooled", stdout);
        Assert.Equal(3, stderr.Split('\n').Count(l => l.Contains(" examples  success ")));
    }

    [Fact]
    public void AnInterruptedRunResumesWithoutRepeatingOrLosingAnExample()
    {
        // Four batches of three: the device runs ahead of the writer by at most two batches, so an
        // interruption after the first is saved always leaves the fourth untaken.
        string[] Twelve(string outName, params string[] extra) => [.. Attack(outName, extra).Select(a => a == "0:9" ? "0:12" : a)];
        Assert.Equal(0, Run(Twelve("whole")).Code);

        // Interrupt right after the first batch has been saved (its progress line is written after the append).
        using var cancel = new CancellationTokenSource();
        var stderr = new TriggerWriter(" examples  success ", cancel.Cancel);
        var (code, _, _) = Run(Twelve("cut"), stderr, cancel.Token);
        Assert.Equal(Program.ExitInterrupted, code);
        // Every batch the device finished before it stopped is saved whole, its files with it.
        int saved = Results("cut").Count;
        Assert.Contains(saved, new[] { 3, 6, 9 });
        string adversarial = Path.Combine(folder.File("cut"), "adversarial");
        foreach (var r in Results("cut").Where(r => !r.AlreadyMisclassified))
            foreach (string ext in new[] { ".png", ".safetensors" })
                Assert.True(File.Exists(Path.Combine(adversarial, $"{r.Index:D6}{ext}")), $"{r.Index}{ext}");
        Assert.Empty(Directory.GetFiles(adversarial, "*.tmp"));

        Assert.Contains("--resume", CliRun.Refused(Run(Twelve("cut"))));

        var resumed = Run(Twelve("cut", "--resume"));
        Assert.True(resumed.Code == 0, resumed.Err);
        Assert.Contains($"resuming: {saved} examples done, {12 - saved} to go", resumed.Err);
        Assert.Equal(Comparable(Results("whole")), Comparable(Results("cut")));
    }

    [Fact]
    public void ASecondRunIsRefusedWhileTheFirstHoldsTheFolder()
    {
        var description = new Dictionary<string, string> { ["model"] = "x" };
        var (held, _) = RunFolder.Open(folder.File("busy"), description, resume: false);
        using (held)
        {
            string stderr = CliRun.Refused(Run(Attack("busy")));
            Assert.Contains("another attack run is using this folder", stderr);
        }
    }

    [Fact]
    public void ThreeShardsMergedEqualOneRunAndTheJobArrayVariablesPickTheShard()
    {
        Assert.Equal(0, Run(Attack("whole")).Code);
        Assert.Equal(0, Run(Attack("s0", "--shard", "0/3")).Code);
        try
        {
            Environment.SetEnvironmentVariable("SLURM_ARRAY_TASK_ID", "1");
            Environment.SetEnvironmentVariable("SLURM_ARRAY_TASK_COUNT", "3");
            Assert.Equal(0, Run(Attack("s1")).Code);
            Environment.SetEnvironmentVariable("SLURM_ARRAY_TASK_ID", null);
            Environment.SetEnvironmentVariable("SLURM_ARRAY_TASK_COUNT", null);
            Environment.SetEnvironmentVariable("JOB_COMPLETION_INDEX", "2");
            Assert.Equal(0, Run(Attack("s2", "--shard", "auto/3")).Code);
        }
        finally
        {
            Environment.SetEnvironmentVariable("SLURM_ARRAY_TASK_ID", null);
            Environment.SetEnvironmentVariable("SLURM_ARRAY_TASK_COUNT", null);
            Environment.SetEnvironmentVariable("JOB_COMPLETION_INDEX", null);
        }
        Assert.Equal([0, 1, 2], Results("s0").Select(r => r.Index));
        Assert.Equal([3, 4, 5], Results("s1").Select(r => r.Index));
        Assert.Equal([6, 7, 8], Results("s2").Select(r => r.Index));

        var merged = Run(["merge", folder.File("s0"), folder.File("s1"), folder.File("s2"), "--out", folder.File("merged")]);
        Assert.True(merged.Code == 0, merged.Err);
        Assert.Equal(Comparable(Results("whole")), Comparable(Results("merged")));
        Assert.True(File.Exists(Path.Combine(folder.File("merged"), "report.md")));

        Assert.Contains("shard(s) 1/3 missing", CliRun.Refused(Run(["merge", folder.File("s0"), folder.File("s2"), "--out", folder.File("m2")])));
        Assert.Contains("given twice",
            CliRun.Refused(Run(["merge", folder.File("s0"), folder.File("s1"), folder.File("s1"), folder.File("s2"), "--out", folder.File("m3")])));
        CliRun.Refused(Run(["merge", folder.File("s0"), folder.File("whole"), "--out", folder.File("m4")]));
    }

    [Fact]
    public void RandomTargetsAreTheLibrarysForTheSeedAndDatasetIndex()
    {
        // Two batches of 5 from index 20: a target hangs on the seed and the example's index in the data set only.
        var (code, _, stderr) = Run(["attack", "--model", Model, "--data", "sample", "--range", "20:10", "--batch", "5",
            "--method", "noise", "--stddev", "0.05", "--target", "random", "--seed", "11", "--device", TestDevice.Spec, "--out", folder.File("random")]);
        Assert.True(code == 0, stderr);
        var results = Results("random");
        Assert.Equal(Enumerable.Range(20, 10), results.Select(r => r.Index));
        var sample = Dataset.LoadDirectory(Path.Combine(RepoFiles.DataRoot, "sample"), DatasetSplit.Test);
        var expected = TargetSelection.Random(results.Select(r => sample.Labels[r.Index]).ToArray(), results.Select(r => r.Index).ToArray(), 10, seed: 11);
        Assert.Equal(expected, results.Select(r => r.Target));
        Assert.All(results, r => Assert.NotEqual(r.Label, r.Target));
    }

    [Fact]
    public void TwoDevicesShareTheWorkAndGiveTheSameResults()
    {
        Assert.Equal(0, Run(Attack("one")).Code);
        var two = Attack("two");
        two[Array.IndexOf(two, TestDevice.Spec)] = $"{TestDevice.Spec},{TestDevice.Spec}";
        var (code, _, stderr) = Run(two);
        Assert.True(code == 0, stderr);
        Assert.Equal(Comparable(Results("one")), Comparable(Results("two")));
    }

    [Theory]
    [InlineData("--target", "10", "outside the model's classes")]
    [InlineData("--target", "sideways", "--target 'sideways'")]
    [InlineData("--method", "noise", "--stddev")]
    [InlineData("--method", "magic", "--method 'magic'")]
    [InlineData("--batch", "0", "--batch")]
    [InlineData("--shard", "3/3", "out of range")]
    [InlineData("--tolerance", "2", "--tolerance")]
    [InlineData("--steps", "0", "--steps")]
    [InlineData("--step-size", "0", "--step-size")]
    [InlineData("--step-size", "-1", "--step-size")]
    [InlineData("--binary-steps", "0", "--binary-steps")]
    [InlineData("--gamma", "1", "--gamma")]
    [InlineData("--init-norm", "0", "--init-norm")]
    [InlineData("--initial-const", "0", "--initial-const")]
    [InlineData("--confidence", "-1", "--confidence")]
    [InlineData("--init-steps", "-1", "--init-steps")]
    [InlineData("--start", "middle", "--start 'middle'")]
    [InlineData("--start", "deepfool", "--start is for --method fmn")]
    [InlineData("--bisection-steps", "-2", "--bisection-steps")]
    [InlineData("--final-bisection-steps", "-1", "--final-bisection-steps")]
    [InlineData("--refine", "-1", "--refine")]
    [InlineData("--loss", "hinge", "--loss 'hinge'")]
    [InlineData("--methods", "ddn", "--methods is for --method best")]
    [InlineData("--norm", "l1", "--norm 'l1'")]
    [InlineData("--norm", "linf", "--norm is for --method fmn")]
    public void BadOptionsGetOneLineAndExitCode2(string option, string value, string expected)
    {
        string stderr = CliRun.Refused(Run(Attack("bad", option, value)));
        Assert.Contains(expected, stderr);
        Assert.False(File.Exists(Path.Combine(folder.File("bad"), RunFolder.ResultsFile)) &&
                     new FileInfo(Path.Combine(folder.File("bad"), RunFolder.ResultsFile)).Length > 0);
    }

    [Theory]
    [InlineData("ddn,magic", "'magic'")]
    [InlineData("ddn:0", "'ddn:0'")]
    [InlineData("ddn,ddn", "named twice")]
    [InlineData("cw:x", "'cw:x'")]
    public void BadBestOfListsGetOneLineExitCode2AndNoFolder(string methods, string expected)
    {
        string stderr = CliRun.Refused(Run(Attack("best", "--method", "best", "--methods", methods)));
        Assert.Contains("--methods", stderr);
        Assert.Contains(expected, stderr);
        Assert.False(Directory.Exists(folder.File("best")));
    }

    [Theory]
    [InlineData("cw", "--steps 200 --binary-steps 3 --initial-const 10")]
    [InlineData("ddn", "--steps 30")]
    [InlineData("fmn", "--steps 20")]
    [InlineData("fmn", "--steps 20 --norm linf")]
    [InlineData("fmn", "--steps 20 --start deepfool")]
    [InlineData("lbfgs", "--refine 5")]
    [InlineData("lbfgs", "--loss margin --confidence 0.1")]
    public void EveryMinimalNormMethodFoolsTheSampleDigits(string method, string options)
    {
        var (code, _, stderr) = Run(Attack(method, ["--method", method, .. options.Split(' ')]));
        Assert.True(code == 0, stderr);
        var attacked = Results(method).Where(r => !r.AlreadyMisclassified).ToList();
        Assert.NotEmpty(attacked);
        Assert.All(attacked, r =>
        {
            Assert.True(r.Success, $"example {r.Index}");
            Assert.Equal(r.Target, r.PredictionAfter);
            Assert.InRange(r.Distortion, 1e-4, 0.2);
            Assert.True(r.Evaluations > 0);
            Assert.Null(r.Method);
        });
    }

    [Fact]
    public void BestKeepsTheSmallestPerturbationAndNamesItsAttack()
    {
        var (code, _, stderr) = Run(Attack("best", "--method", "best", "--methods", "ddn:30,fmn:20"));
        Assert.True(code == 0, stderr);
        Assert.Equal(0, Run(Attack("ddn", "--method", "ddn", "--steps", "30")).Code);
        var best = Results("best").Where(r => !r.AlreadyMisclassified).ToList();
        var ddn = Results("ddn").Where(r => !r.AlreadyMisclassified).ToDictionary(r => r.Index);
        Assert.All(best, r =>
        {
            Assert.True(r.Success);
            Assert.Contains(r.Method, new[] { "ddn:30", "fmn:20" });
            // DDN's own result is one of the candidates, so the best is never larger.
            Assert.True(r.L2 <= ddn[r.Index].L2 + 1e-9, $"example {r.Index}: best {r.L2} > ddn {ddn[r.Index].L2}");
            if (r.Method == "ddn:30") Assert.Equal(ddn[r.Index].L2, r.L2, 9);
            // Evaluations add up over both attacks: DDN's 30, FMN's 30 DDN steps + 10 bisection + 20 + 10 last bisection.
            Assert.Equal(30 + 70, r.Evaluations);
        });
    }

    [Fact]
    public void AModelOfAnotherInputShapeIsRefused()
    {
        var args = Attack("shape");
        args[Array.IndexOf(args, Model)] = RepoFiles.Fixture("tiny_mlp.safetensors");
        string stderr = CliRun.Refused(Run(args));
        Assert.Contains("do not fit the model's input", stderr);
    }

    [Fact]
    public void ACorruptResultsFileIsRefusedOnResume()
    {
        Assert.Equal(0, Run(Attack("c")).Code);
        string results = Path.Combine(folder.File("c"), RunFolder.ResultsFile);
        File.WriteAllText(results, "{\"index\": 0, \"label\": \"seven\"}\n" + File.ReadAllText(results));
        string stderr = CliRun.Refused(Run(Attack("c", "--resume")));
        Assert.Contains("line 1: field 'label': not an attack result", stderr);
    }

    /// <summary>A stderr that calls an action the first time a line contains a marker.</summary>
    private sealed class TriggerWriter(string marker, Action action) : StringWriter
    {
        private bool fired;

        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (!fired && value != null && value.Contains(marker))
            {
                fired = true;
                action();
            }
        }
    }
}
