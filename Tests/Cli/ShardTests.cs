using IlgpuBlindSpots.Cli.AttackRuns;

namespace IlgpuBlindSpots.Tests.Cli;

/// <summary>
/// Which shard a job-array task takes: every evenly stepped Slurm array and every Indexed Job maps
/// its tasks onto shards 0 to N − 1 once each, and a mismatch is one line naming the variables.
/// </summary>
public sealed class ShardTests
{
    /// <summary>The variables Slurm sets in every task of <c>--array=MIN-MAX:STEP</c>.</summary>
    private static Dictionary<string, string> SlurmTask(int id, int min, int max, int step) => new()
    {
        ["SLURM_ARRAY_TASK_ID"] = id.ToString(),
        ["SLURM_ARRAY_TASK_MIN"] = min.ToString(),
        ["SLURM_ARRAY_TASK_MAX"] = max.ToString(),
        ["SLURM_ARRAY_TASK_STEP"] = step.ToString(),
        ["SLURM_ARRAY_TASK_COUNT"] = ((max - min) / step + 1).ToString(),
    };

    private static Func<string, string?> Env(Dictionary<string, string> variables) =>
        name => variables.TryGetValue(name, out var v) ? v : null;

    private static string Refusal(string? option, Dictionary<string, string> variables)
    {
        var e = Assert.Throws<BlindSpotsException>(() => Shard.Resolve(option, Env(variables)));
        Assert.DoesNotContain('\n', e.Message);
        return e.Message;
    }

    [Theory]
    [InlineData(0, 7, 1)]
    [InlineData(1, 8, 1)]
    [InlineData(1, 5, 2)]
    [InlineData(10, 40, 10)]
    [InlineData(3, 3, 1)]
    public void EveryTaskOfAnEvenlySteppedArrayTakesItsOwnShard(int min, int max, int step)
    {
        int count = (max - min) / step + 1;
        foreach (string? option in new[] { null, $"auto/{count}" })
        {
            var shards = new List<Shard>();
            for (int id = min; id <= max; id += step)
                shards.Add(Shard.Resolve(option, Env(SlurmTask(id, min, max, step))));
            Assert.Equal(Enumerable.Range(0, count).Select(i => new Shard(i, count)), shards);
        }
    }

    [Fact]
    public void AnAutoCountOtherThanTheArraysIsOneLineNamingTheVariables()
    {
        // --array=1-5:2 is three tasks; auto/5 (the largest ID) is the mistake to catch.
        string message = Refusal("auto/5", SlurmTask(3, 1, 5, 2));
        Assert.Contains("SLURM_ARRAY_TASK_ID=3", message);
        Assert.Contains("_COUNT=3", message);
        Assert.Contains("_STEP=2", message);
        Assert.Contains("not 5", message);
    }

    [Fact]
    public void AnArrayThatIsNotEvenlySteppedIsRefused()
    {
        // --array=1,2,7: three tasks whose IDs no MIN and STEP describe.
        var task = SlurmTask(7, 1, 7, 1);
        task["SLURM_ARRAY_TASK_COUNT"] = "3";
        Assert.Contains("not evenly stepped", Refusal(null, task));
        Assert.Contains("not evenly stepped", Refusal("auto/3", task));
    }

    [Fact]
    public void ATaskOutsideItsArrayIsRefused()
    {
        Assert.Contains("not in its array", Refusal(null, SlurmTask(2, 1, 5, 2)));
        Assert.Contains("not in its array", Refusal(null, SlurmTask(9, 1, 5, 2)));
        Assert.Contains("not in its array", Refusal(null, SlurmTask(0, 1, 5, 2)));
    }

    [Fact]
    public void MalformedOrMissingSlurmVariablesAreNamed()
    {
        var noCount = SlurmTask(1, 0, 2, 1);
        noCount.Remove("SLURM_ARRAY_TASK_COUNT");
        Assert.Contains("SLURM_ARRAY_TASK_COUNT is not", Refusal(null, noCount));
        var bad = SlurmTask(1, 0, 2, 1);
        bad["SLURM_ARRAY_TASK_STEP"] = "two";
        Assert.Contains("SLURM_ARRAY_TASK_STEP='two'", Refusal(null, bad));
        var zeroStep = SlurmTask(1, 0, 2, 1);
        zeroStep["SLURM_ARRAY_TASK_STEP"] = "0";
        Assert.Contains("out of range", Refusal(null, zeroStep));
    }

    [Fact]
    public void OnlyIdAndCountStillMapFromZero()
    {
        var variables = new Dictionary<string, string> { ["SLURM_ARRAY_TASK_ID"] = "2", ["SLURM_ARRAY_TASK_COUNT"] = "3" };
        Assert.Equal(new Shard(2, 3), Shard.Resolve(null, Env(variables)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(7)]
    public void AnIndexedJobTakesItsCompletionIndex(int index)
    {
        var variables = new Dictionary<string, string> { ["JOB_COMPLETION_INDEX"] = index.ToString() };
        Assert.Equal(new Shard(index, 8), Shard.Resolve("auto/8", Env(variables)));
    }

    [Fact]
    public void IndexedJobMistakesAreOneLine()
    {
        var beyond = new Dictionary<string, string> { ["JOB_COMPLETION_INDEX"] = "8" };
        Assert.Contains("JOB_COMPLETION_INDEX=8 is not below 8", Refusal("auto/8", beyond));
        Assert.Contains("pass --shard auto/N", Refusal(null, beyond));
        var malformed = new Dictionary<string, string> { ["JOB_COMPLETION_INDEX"] = "-1" };
        Assert.Contains("JOB_COMPLETION_INDEX='-1'", Refusal("auto/8", malformed));
        var both = SlurmTask(0, 0, 7, 1);
        both["JOB_COMPLETION_INDEX"] = "0";
        Assert.Contains("both JOB_COMPLETION_INDEX and SLURM_ARRAY_TASK_ID", Refusal("auto/8", both));
        Assert.Contains("neither", Refusal("auto/8", []));
    }

    [Fact]
    public void AnExplicitShardWinsOverTheEnvironmentAndIsChecked()
    {
        Assert.Equal(new Shard(1, 4), Shard.Resolve("1/4", Env(SlurmTask(3, 1, 5, 2))));
        Assert.Equal(Shard.Whole, Shard.Resolve(null, Env([])));
        Assert.Contains("out of range", Refusal("4/4", []));
        Assert.Contains("expected i/N", Refusal("1/0", []));
        Assert.Contains("expected i/N", Refusal("x/3", []));
    }

    [Fact]
    public void ShardsCoverTheRangeOnceInOrder()
    {
        for (int n = 0; n <= 10; n++)
            for (int count = 1; count <= 4; count++)
            {
                var slices = Enumerable.Range(0, count).Select(i => new Shard(i, count).Slice(n)).ToList();
                Assert.Equal(0, slices[0].Start);
                for (int i = 1; i < count; i++)
                    Assert.Equal(slices[i - 1].Start + slices[i - 1].Count, slices[i].Start);
                Assert.Equal(n, slices.Sum(s => s.Count));
            }
    }
}
