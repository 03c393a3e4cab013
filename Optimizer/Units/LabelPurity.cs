namespace IlgpuBlindSpots.Optimizer.Units;

/// <summary>
/// How semantically coherent a group of images is by its labels: the share of the group carrying
/// its most common label (1 when all agree, 1/k at best-spread for k ≤ classes).
/// </summary>
internal static class LabelPurity
{
    /// <summary>The share of <paramref name="labels"/> equal to the most common one; labels must be non-negative.</summary>
    public static double Of(ReadOnlySpan<int> labels)
    {
        if (labels.IsEmpty) throw new ArgumentException("purity of an empty group is undefined", nameof(labels));
        var counts = new Dictionary<int, int>();
        int most = 0;
        foreach (int l in labels)
        {
            if (l < 0) throw new ArgumentOutOfRangeException(nameof(labels), l, "labels are non-negative");
            int c = counts.GetValueOrDefault(l) + 1;
            counts[l] = c;
            most = Math.Max(most, c);
        }
        return (double)most / labels.Length;
    }
}
