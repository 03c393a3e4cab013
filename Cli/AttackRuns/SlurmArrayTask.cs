namespace IlgpuBlindSpots.Cli.AttackRuns;

/// <summary>
/// What a Slurm array task sees of its array: <c>SLURM_ARRAY_TASK_ID</c>, <c>_COUNT</c>, <c>_MIN</c>,
/// <c>_MAX</c> and <c>_STEP</c>. Its shard is its position (ID − MIN) / STEP of COUNT, so that every
/// evenly stepped array (<c>--array=0-7</c>, <c>1-8</c>, <c>1-5:2</c>) covers shards 0 to COUNT − 1
/// once each. An array that is not evenly stepped (<c>--array=1,2,7</c>) is refused: its tasks cannot
/// be told their shard from these variables alone.
/// </summary>
internal readonly record struct SlurmArrayTask(int Id, int Count, int Min, int Max, int Step)
{
    private const string Prefix = "SLURM_ARRAY_TASK_";

    /// <summary>This task's shard index: its position in the array.</summary>
    public int Position => (Id - Min) / Step;

    /// <summary>The variables as the task saw them, for a message.</summary>
    public string Describe() =>
        $"{Prefix}ID={Id}, _COUNT={Count}, _MIN={Min}, _MAX={Max}, _STEP={Step}";

    /// <summary>The array task of this process; null when <c>SLURM_ARRAY_TASK_ID</c> is not set.</summary>
    /// <exception cref="BlindSpotsException">The variables are missing, malformed, or describe no evenly stepped array holding this task (one line naming them).</exception>
    public static SlurmArrayTask? Read(Func<string, string?> environment)
    {
        string? id = environment(Prefix + "ID");
        if (id == null) return null;
        string count = environment(Prefix + "COUNT")
            ?? throw new BlindSpotsException($"{Prefix}ID is set but {Prefix}COUNT is not (Slurm sets both for an array task); pass --shard i/N");
        int Get(string name, int fallback) =>
            environment(Prefix + name) is { } v ? Shard.Parse(v, Prefix + name) : fallback;

        int taskId = Shard.Parse(id, Prefix + "ID"), n = Shard.Parse(count, Prefix + "COUNT");
        int min = Get("MIN", 0), step = Get("STEP", 1);
        int max = Get("MAX", min + (n - 1) * step);
        var task = new SlurmArrayTask(taskId, n, min, max, step);
        if (n < 1 || step < 1)
            throw new BlindSpotsException($"Slurm array variables out of range: {task.Describe()}");
        if ((long)min + (long)(n - 1) * step != max)
            throw new BlindSpotsException($"the Slurm array is not evenly stepped ({task.Describe()}): submit it as --array=MIN-MAX:STEP or pass --shard i/N");
        if (taskId < min || taskId > max || (taskId - min) % step != 0)
            throw new BlindSpotsException($"the Slurm array task is not in its array ({task.Describe()})");
        return task;
    }
}
