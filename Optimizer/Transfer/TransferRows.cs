using System.Globalization;

namespace IlgpuBlindSpots.Optimizer.Transfer;

/// <summary>
/// The rows of a transfer table (Szegedy et al. 2013, Tables 2 and 4) built from adversarial sets:
/// one per set, then optionally one amplified row per set, then the Gaussian-noise baselines drawn
/// on the clean inputs of every example in any set.
/// </summary>
public static class TransferRows
{
    /// <summary>
    /// The rows for <paramref name="sets"/> (at least one, all of one data source and input shape).
    /// </summary>
    /// <param name="device">Where amplified rows are computed.</param>
    /// <param name="sets">The adversarial sets, one row each.</param>
    /// <param name="amplifyTo">Distortion the amplified rows are rescaled to; null for none.</param>
    /// <param name="noise">Standard deviations of the noise rows.</param>
    /// <param name="seed">Seed of the noise.</param>
    /// <exception cref="BlindSpotsException">The sets come from different data sources or input shapes.</exception>
    public static List<TransferRow> Build(ComputeDevice device, IReadOnlyList<AttackedExamples> sets, double? amplifyTo,
        IReadOnlyList<double> noise, int seed)
    {
        ArgumentNullException.ThrowIfNull(sets);
        if (sets.Count == 0) throw new ArgumentException("a transfer table needs at least one adversarial set", nameof(sets));
        CheckOneSource(sets);
        var rows = new List<TransferRow>();
        foreach (var s in sets)
            rows.Add(new TransferRow(s.Name, TransferRowKind.Adversarial, s.Name, s.Adversarials, s.Labels,
                PerturbationSets.MeanDistortion(s.Originals, s.Adversarials, s.Length)));
        if (amplifyTo is { } target)
            foreach (var s in sets)
            {
                var amplified = PerturbationSets.Amplify(device, s.Originals, s.Adversarials, s.Length, target);
                rows.Add(new TransferRow($"{s.Name} amplified to {target.ToString("G3", CultureInfo.InvariantCulture)}",
                    TransferRowKind.Amplified, s.Name, amplified, s.Labels, PerturbationSets.MeanDistortion(s.Originals, amplified, s.Length)));
            }
        var (cleanImages, cleanLabels) = CleanInputs(sets);
        int n = sets[0].Length;
        foreach (double sigma in noise)
        {
            var noisy = PerturbationSets.GaussianNoise(cleanImages, n, sigma, seed);
            rows.Add(new TransferRow($"Gaussian noise, stddev {sigma.ToString("G3", CultureInfo.InvariantCulture)}", TransferRowKind.GaussianNoise,
                null, noisy, cleanLabels, PerturbationSets.MeanDistortion(cleanImages, noisy, n)));
        }
        return rows;
    }

    /// <summary>
    /// The clean inputs of every example some set holds, once each, in index order: an example one
    /// source model already misclassified (and so did not attack) still counts for the noise rows.
    /// </summary>
    public static (float[] Images, int[] Labels) CleanInputs(IReadOnlyList<AttackedExamples> sets)
    {
        var where = new SortedDictionary<int, (AttackedExamples Set, int Position)>();
        foreach (var s in sets)
            for (int i = 0; i < s.Count; i++) where.TryAdd(s.Indices[i], (s, i));
        int n = sets[0].Length;
        var images = new float[where.Count * n];
        var labels = new int[where.Count];
        int k = 0;
        foreach (var (set, position) in where.Values)
        {
            set.Originals.AsSpan(position * n, n).CopyTo(images.AsSpan(k * n));
            labels[k++] = set.Labels[position];
        }
        return (images, labels);
    }

    private static void CheckOneSource(IReadOnlyList<AttackedExamples> sets)
    {
        foreach (var s in sets.Skip(1))
        {
            if (s.Data != sets[0].Data)
                throw new BlindSpotsException($"{s.Origin}: made from {s.Data}, but {sets[0].Origin} from {sets[0].Data}; a table mixes sets of one data source only");
            if (!s.Shape.SequenceEqual(sets[0].Shape))
                throw new BlindSpotsException($"{s.Origin}: inputs of {string.Join("×", s.Shape)}, but {sets[0].Origin} holds {string.Join("×", sets[0].Shape)}");
        }
    }
}
