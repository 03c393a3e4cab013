namespace IlgpuBlindSpots.Optimizer.Statistics;

/// <summary>
/// A two-sided permutation test of equal means: how often randomly relabelling the pooled values
/// into groups of the original sizes gives a difference of means at least as large as the one
/// observed. It assumes nothing about the distributions, which suits bounded, tied measures such as
/// label purity (a multiple of 1/k).
/// </summary>
internal static class PermutationTest
{
    /// <summary>
    /// p = (1 + #{permutations with |difference| ≥ observed}) / (1 + permutations), from a seeded
    /// random sample of relabellings (never 0: the observed labelling counts as one).
    /// </summary>
    public static double DifferenceOfMeans(IReadOnlyList<double> first, IReadOnlyList<double> second, int permutations, int seed)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (permutations < 1) throw new ArgumentOutOfRangeException(nameof(permutations), permutations, "at least one permutation");
        int n1 = first.Count, n2 = second.Count;
        if (n1 == 0 || n2 == 0) return double.NaN;
        var pooled = first.Concat(second).ToArray();
        double total = pooled.Sum();
        double observed = Math.Abs(first.Sum() / n1 - second.Sum() / n2);
        // Differences equal up to rounding must count as "as large": sums are taken in another order.
        double slack = 1e-12 * Math.Max(1, pooled.Max(Math.Abs));
        var rng = new Random(seed);
        int atLeast = 0;
        for (int p = 0; p < permutations; p++)
        {
            // A partial Fisher–Yates shuffle puts a uniformly random subset of size n1 in front.
            double sum1 = 0;
            for (int i = 0; i < n1; i++)
            {
                int j = rng.Next(i, pooled.Length);
                (pooled[i], pooled[j]) = (pooled[j], pooled[i]);
                sum1 += pooled[i];
            }
            if (Math.Abs(sum1 / n1 - (total - sum1) / n2) >= observed - slack) atLeast++;
        }
        return (1.0 + atLeast) / (1.0 + permutations);
    }
}
