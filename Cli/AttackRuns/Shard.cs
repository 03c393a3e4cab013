using System.Globalization;
using IlgpuBlindSpots.Network;

namespace IlgpuBlindSpots.Cli.AttackRuns;

/// <summary>
/// One slice of a data set as one task of a job array: shard i of N takes the contiguous examples
/// [⌊i·n/N⌋, ⌊(i+1)·n/N⌋). The index comes from <c>--shard i/N</c>, else from Slurm
/// (<c>SLURM_ARRAY_TASK_ID</c>, with <c>SLURM_ARRAY_TASK_COUNT</c>) or a Kubernetes Indexed Job
/// (<c>JOB_COMPLETION_INDEX</c>, with the count from <c>--shard auto/N</c>).
/// </summary>
internal readonly record struct Shard(int Index, int Count)
{
    public static readonly Shard Whole = new(0, 1);

    public (int Start, int Count) Slice(int n)
    {
        long start = (long)Index * n / Count, end = (long)(Index + 1) * n / Count;
        return ((int)start, (int)(end - start));
    }

    public override string ToString() => $"{Index}/{Count}";

    /// <summary>The shard an option and the environment ask for.</summary>
    public static Shard Resolve(string? option, Func<string, string?> environment)
    {
        if (option != null)
        {
            var parts = option.Split('/');
            if (parts.Length == 2 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1)
            {
                if (parts[0] == "auto")
                {
                    string? k8s = environment("JOB_COMPLETION_INDEX") ?? environment("SLURM_ARRAY_TASK_ID");
                    if (k8s == null)
                        throw new BlindSpotsException($"--shard {option}: neither JOB_COMPLETION_INDEX nor SLURM_ARRAY_TASK_ID is set");
                    return Check(Parse(k8s, "JOB_COMPLETION_INDEX / SLURM_ARRAY_TASK_ID"), n, option);
                }
                if (int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int i))
                    return Check(i, n, option);
            }
            throw new BlindSpotsException($"--shard '{option}': expected i/N with 0 ≤ i < N (or auto/N to read the index from the job array)");
        }
        string? slurm = environment("SLURM_ARRAY_TASK_ID");
        if (slurm != null)
        {
            string? count = environment("SLURM_ARRAY_TASK_COUNT")
                ?? throw new BlindSpotsException("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not; pass --shard auto/N");
            // Slurm arrays may start at 1 (--array=1-N); SLURM_ARRAY_TASK_MIN says where.
            int min = environment("SLURM_ARRAY_TASK_MIN") is { } m ? Parse(m, "SLURM_ARRAY_TASK_MIN") : 0;
            return Check(Parse(slurm, "SLURM_ARRAY_TASK_ID") - min, Parse(count, "SLURM_ARRAY_TASK_COUNT"), "Slurm array");
        }
        if (environment("JOB_COMPLETION_INDEX") != null)
            throw new BlindSpotsException("JOB_COMPLETION_INDEX is set: pass --shard auto/N with N the job's completions");
        return Whole;
    }

    private static int Parse(string value, string name) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int v)
            ? v : throw new BlindSpotsException($"{name} '{value}' is not a non-negative integer");

    private static Shard Check(int index, int count, string what) =>
        index >= 0 && index < count ? new Shard(index, count)
            : throw new BlindSpotsException($"shard {index} of {count} ({what}) is out of range");
}
