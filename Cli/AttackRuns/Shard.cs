namespace IlgpuBlindSpots.Cli.AttackRuns;

/// <summary>
/// One slice of a data set as one task of a job array: shard i of N takes the contiguous examples
/// [⌊i·n/N⌋, ⌊(i+1)·n/N⌋). The index comes from <c>--shard i/N</c>, else from a Slurm array
/// (<see cref="SlurmArrayTask"/>) or a Kubernetes Indexed Job (<c>JOB_COMPLETION_INDEX</c>, with
/// the count from <c>--shard auto/N</c>).
/// </summary>
internal readonly record struct Shard(int Index, int Count)
{
    public static readonly Shard Whole = new(0, 1);

    private const string K8sIndex = "JOB_COMPLETION_INDEX";

    public (int Start, int Count) Slice(int n)
    {
        long start = (long)Index * n / Count, end = (long)(Index + 1) * n / Count;
        return ((int)start, (int)(end - start));
    }

    public override string ToString() => $"{Index}/{Count}";

    /// <summary>The shard an option and the environment ask for.</summary>
    public static Shard Resolve(string? option, Func<string, string?> environment)
    {
        if (option == null) return FromEnvironment(environment);
        var parts = option.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1)
        {
            if (parts[0] == "auto") return FromJobArray(n, option, environment);
            if (int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int i))
                return i < n ? new Shard(i, n)
                    : throw new BlindSpotsException($"--shard {option}: shard {i} of {n} is out of range");
        }
        throw new BlindSpotsException($"--shard '{option}': expected i/N with 0 ≤ i < N (or auto/N to read the index from the job array)");
    }

    /// <summary><c>--shard auto/N</c>: the index from the job array, whose size must be N.</summary>
    private static Shard FromJobArray(int n, string option, Func<string, string?> environment)
    {
        string? k8s = environment(K8sIndex);
        var slurm = SlurmArrayTask.Read(environment);
        if (k8s != null && slurm != null)
            throw new BlindSpotsException($"--shard {option}: both {K8sIndex} and SLURM_ARRAY_TASK_ID are set; unset the one that does not belong to this job");
        if (slurm is { } task)
        {
            if (task.Count != n)
                throw new BlindSpotsException($"--shard {option}: the Slurm array has {task.Count} tasks ({task.Describe()}), not {n}; make N the array's task count");
            return new Shard(task.Position, n);
        }
        if (k8s == null)
            throw new BlindSpotsException($"--shard {option}: neither {K8sIndex} nor SLURM_ARRAY_TASK_ID is set");
        int index = Parse(k8s, K8sIndex);
        return index < n ? new Shard(index, n)
            : throw new BlindSpotsException($"--shard {option}: {K8sIndex}={index} is not below {n}; make N the Indexed Job's completions");
    }

    /// <summary>No <c>--shard</c>: a Slurm array task takes its place in the array; anything else runs whole.</summary>
    private static Shard FromEnvironment(Func<string, string?> environment)
    {
        if (SlurmArrayTask.Read(environment) is { } task)
            return new Shard(task.Position, task.Count);
        if (environment(K8sIndex) != null)
            throw new BlindSpotsException($"{K8sIndex} is set: pass --shard auto/N with N the job's completions");
        return Whole;
    }

    internal static int Parse(string value, string name) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int v)
            ? v : throw new BlindSpotsException($"{name}='{value}' is not a non-negative integer");
}
