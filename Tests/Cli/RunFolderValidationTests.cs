using System.Text.Json.Nodes;
using IlgpuBlindSpots.Cli;
using IlgpuBlindSpots.Cli.AttackRuns;

namespace IlgpuBlindSpots.Tests.Cli;

/// <summary>
/// An attack's output folder read back by <c>--resume</c>, <c>merge</c> and <c>transfer</c>: edited,
/// truncated or foreign rows are one line naming the file, the line and the field, never a crash or
/// a silently wrong result; and an unfinished folder is never taken for a finished one.
/// </summary>
public sealed class RunFolderValidationTests(RunFolderValidationTests.FinishedRun finished) : CliTest, IClassFixture<RunFolderValidationTests.FinishedRun>
{
    /// <summary>One finished attack of examples 0..8, made once; each test edits a copy.</summary>
    public sealed class FinishedRun : IDisposable
    {
        private readonly TempFolder folder = new();

        public FinishedRun()
        {
            Path = folder.File("a");
            var (code, _, err) = CliRun.Run("attack", "--model", Model, "--data", "sample", "--range", "0:9", "--batch", "9", "--device", TestDevice.Spec, "--out", Path);
            Assert.True(code == 0, err);
        }

        public string Path { get; }

        public void Dispose() => folder.Dispose();
    }

    /// <summary>A copy of the finished run, named <paramref name="outName"/>.</summary>
    private string Copy(string outName)
    {
        string target = folder.File(outName);
        foreach (string dir in Directory.GetDirectories(finished.Path, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(dir.Replace(finished.Path, target));
        Directory.CreateDirectory(target);
        foreach (string file in Directory.GetFiles(finished.Path, "*", SearchOption.AllDirectories))
            File.Copy(file, file.Replace(finished.Path, target));
        return target;
    }

    private string[] Attack(string outName, string range = "0:9", params string[] extra) =>
        ["attack", "--model", Model, "--data", "sample", "--range", range, "--batch", "9", "--device", TestDevice.Spec, "--out", folder.File(outName), .. extra];

    private string Run(string outName, string range = "0:9", params string[] extra)
    {
        var (code, _, err) = CliRun.Run(Attack(outName, range, extra));
        Assert.True(code == 0, err);
        return folder.File(outName);
    }

    /// <summary>Rewrites field <paramref name="field"/> of the first attacked row; returns that row's line number.</summary>
    private static int EditFirstAttackedRow(string run, string field, JsonNode? value)
    {
        string results = Path.Combine(run, RunFolder.ResultsFile);
        var lines = File.ReadAllLines(results);
        int i = Array.FindIndex(lines, l => !(bool)JsonNode.Parse(l)!["already_misclassified"]!);
        var row = JsonNode.Parse(lines[i])!.AsObject();
        row[field] = value;
        lines[i] = row.ToJsonString();
        File.WriteAllLines(results, lines);
        return i + 1;
    }

    public static TheoryData<string, string, string> BadRows => new()
    {
        { "index", "-1", "-1 is outside the run's examples 0..8" },
        { "index", "5000", "5000 is outside the run's examples 0..8" },
        { "label", "99", "99 is outside the classes 0..9" },
        { "target", "42", "42 is neither -1 (untargeted) nor inside the classes 0..9" },
        { "prediction_after", "10", "10 is outside the classes 0..9" },
        { "distortion", "-0.5", "-0.5 is not a finite non-negative number" },
        { "distortion", "\"NaN\"", "NaN is not a finite non-negative number" },
        { "l2", "\"Infinity\"", "Infinity is not a finite non-negative number" },
        { "success", "false", "false disagrees with target" },
        { "already_misclassified", "true", "true disagrees with label" },
        { "label", "\"seven\"", "not an attack result of this program" },
    };

    [Theory]
    [MemberData(nameof(BadRows))]
    public void ABadRowIsOneLineNamingFileLineAndFieldForResumeMergeAndTransfer(string field, string json, string problem)
    {
        string run = Copy("a");
        int line = EditFirstAttackedRow(run, field, JsonNode.Parse(json));
        string expected = $"{Path.Combine(run, RunFolder.ResultsFile)} line {line}: field '{field}': ";

        string resume = CliRun.Refused(CliRun.Run(Attack("a", "0:9", "--resume")));
        Assert.Contains(expected, resume);
        Assert.Contains(problem, resume);
        // The refused resume left the finished run as it was: merge and transfer read the same bad row.
        string merge = CliRun.Refused(CliRun.Run("merge", run, "--out", folder.File("m")));
        Assert.Contains(expected, merge);
        string transfer = CliRun.Refused(CliRun.Run("transfer", "--sets", run, "--models", Model, "--device", TestDevice.Spec, "--out", folder.File("t")));
        Assert.Contains(expected, transfer);
        Assert.False(Directory.Exists(folder.File("m")));
        Assert.False(Directory.Exists(folder.File("t")));
    }

    [Fact]
    public void ARowTwiceAndAMissingOrForeignExactInputFileAreRefused()
    {
        string run = Copy("a");
        string results = Path.Combine(run, RunFolder.ResultsFile);
        var lines = File.ReadAllLines(results);
        File.WriteAllLines(results, [.. lines, lines[0]]);
        Assert.Contains($"line {lines.Length + 1}: field 'index': example", CliRun.Refused(CliRun.Run(Attack("a", "0:9", "--resume"))));

        File.WriteAllLines(results, lines);
        var row = JsonNode.Parse(lines.First(l => !(bool)JsonNode.Parse(l)!["already_misclassified"]!))!;
        int index = (int)row["index"]!;
        string exact = AdversarialExampleFile.PathOf(run, index);
        File.Copy(AdversarialExampleFile.PathOf(run, index + 1), exact, overwrite: true);
        Assert.Contains($"{exact} is not this row's example", CliRun.Refused(CliRun.Run("merge", run, "--out", folder.File("m"))));
        File.Delete(exact);
        Assert.Contains($"exact-input file {exact} is missing", CliRun.Refused(CliRun.Run("merge", run, "--out", folder.File("m"))));
    }

    [Fact]
    public void AShardRowMovedOutOfItsSliceIsRefusedByMergeInsteadOfLosingAnExample()
    {
        string[] shards = [Run("s0", "0:9", "--shard", "0/3"), Run("s1", "0:9", "--shard", "1/3"), Run("s2", "0:9", "--shard", "2/3")];
        string results = Path.Combine(shards[1], RunFolder.ResultsFile);
        var lines = File.ReadAllLines(results);
        lines[0] = lines[0].Replace("\"index\":3,", "\"index\":5000,");
        File.WriteAllLines(results, lines);
        string line = CliRun.Refused(CliRun.Run(["merge", .. shards, "--out", folder.File("m")]));
        Assert.Contains($"{results} line 1: field 'index': 5000 is outside the run's examples 3..5", line);
        Assert.False(Directory.Exists(folder.File("m")));
    }

    [Fact]
    public void ResumeKeepsARunInsideItsRange()
    {
        string run = Copy("a");
        string results = Path.Combine(run, RunFolder.ResultsFile);
        var lines = File.ReadAllLines(results);
        File.WriteAllLines(results, [.. lines.Skip(1), lines[0].Replace("\"index\":0,", "\"index\":9,")]);
        Assert.Contains("field 'index': 9 is outside the run's examples 0..8", CliRun.Refused(CliRun.Run(Attack("a", "0:9", "--resume"))));
    }

    [Fact]
    public void AnUnfinishedRunIsNeverTakenForAFinishedOne()
    {
        string run = Copy("a");
        File.Delete(Path.Combine(run, RunFolder.CompleteFile));
        Assert.Contains("not a finished attack output", CliRun.Refused(CliRun.Run("transfer", "--sets", run, "--models", Model, "--device", TestDevice.Spec, "--out", folder.File("t"))));
        Assert.Contains("not a finished attack output", CliRun.Refused(CliRun.Run("merge", run, "--out", folder.File("m"))));
        // Resuming it finishes it again.
        Assert.Equal(0, CliRun.Run(Attack("a", "0:9", "--resume")).Code);
        Assert.Equal(9, RunReader.ReadComplete(run).Results.Count);

        // A row edited after the run finished, however plausible, no longer matches the completion record.
        string results = Path.Combine(run, RunFolder.ResultsFile);
        File.WriteAllText(results, File.ReadAllText(results).Replace("\"seconds\":", "\"seconds\":1"));
        Assert.Contains("changed after the run finished", CliRun.Refused(CliRun.Run("merge", run, "--out", folder.File("m"))));
    }

    [Fact]
    public void ARefusedMergeLeavesThePreviousOutputAsItWas()
    {
        string run = Copy("a");
        Assert.Equal(0, CliRun.Run("merge", run, "--out", folder.File("m")).Code);
        var before = RunReader.ReadComplete(folder.File("m")).Results;
        EditFirstAttackedRow(run, "label", 99);
        CliRun.Refused(CliRun.Run("merge", run, "--out", folder.File("m")));
        Assert.Equal(before, RunReader.ReadComplete(folder.File("m")).Results);
        Assert.Single(Directory.GetFileSystemEntries(folder.Path, "*m*"));
    }

    [Fact]
    public void AMergeKilledAtAnyMomentLeavesEitherNothingOrAFinishedFolder()
    {
        string[] shards = [Run("s0", "0:9", "--shard", "0/2"), Run("s1", "0:9", "--shard", "1/2")];
        var rng = new Random(16);
        int finished = 0, nothing = 0;
        for (int k = 0; k < 6; k++)
        {
            string target = folder.File($"m{k}");
            var child = ChildRun.Start(["merge", .. shards, "--out", target]);
            Thread.Sleep(rng.Next(50, 900));
            ChildRun.Kill(child);
            if (Directory.Exists(target))
            {
                Assert.Equal(9, RunReader.ReadComplete(target).Results.Count);
                finished++;
            }
            else
            {
                Assert.Contains("no such folder", CliRun.Refused(CliRun.Run("transfer", "--sets", target, "--models", Model, "--device", TestDevice.Spec, "--out", folder.File("t"))));
                nothing++;
            }
        }
        Assert.Equal(6, finished + nothing);
    }

    [Fact]
    public void MergeWithoutFoldersSaysWhatToName()
    {
        string line = CliRun.Refused(CliRun.Run("merge", "--out", folder.File("m")));
        Assert.Contains("name the shards' output folders", line);
    }
}
