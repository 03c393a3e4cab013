using System.Globalization;
using IlgpuBlindSpots.Network;
using IlgpuBlindSpots.Network.ModelFiles;
using IlgpuBlindSpots.Network.Models;
using IlgpuBlindSpots.Optimizer.Transfer;

namespace IlgpuBlindSpots.Cli.Transfer;

/// <summary>
/// The rows of a transfer table built from attack outputs: one per adversarial set, then optionally
/// one amplified row per set, then the Gaussian-noise baselines drawn on the clean inputs of every
/// example in any set; and the matrix they induce on a list of models, all on one device.
/// </summary>
internal static class TransferExperiment
{
    /// <summary>Loads the attack outputs in <paramref name="setFolders"/>, then runs <see cref="Run(Device, IReadOnlyList{AdversarialSet}, IReadOnlyList{string}, double?, IReadOnlyList{double}, int, int, TextWriter?)"/>.</summary>
    public static TransferMatrix Run(Device device, IReadOnlyList<string> setFolders, IReadOnlyList<string> modelFiles,
        double? amplifyTo, IReadOnlyList<double> noise, int seed, int batch, TextWriter? notices = null)
    {
        if (setFolders.Count == 0) throw new BlindSpotsException("--sets: name at least one attack output folder");
        CheckModelFiles(modelFiles);
        return Run(device, setFolders.Select(AdversarialSet.Load).ToList(), modelFiles, amplifyTo, noise, seed, batch, notices);
    }

    /// <param name="sets">Adversarial sets already loaded (a caller that also draws figures from them loads them once).</param>
    /// <param name="amplifyTo">Distortion the amplified rows are rescaled to; null for none.</param>
    /// <param name="noise">Standard deviations of the noise rows.</param>
    /// <param name="notices">Where an ONNX model's import notices go; null for nowhere.</param>
    public static TransferMatrix Run(Device device, IReadOnlyList<AdversarialSet> sets, IReadOnlyList<string> modelFiles,
        double? amplifyTo, IReadOnlyList<double> noise, int seed, int batch, TextWriter? notices = null)
    {
        if (sets.Count == 0) throw new BlindSpotsException("--sets: name at least one attack output folder");
        CheckModelFiles(modelFiles);
        foreach (var s in sets.Skip(1))
        {
            if (s.Data != sets[0].Data)
                throw new BlindSpotsException($"{s.Folder}: made from {s.Data}, but {sets[0].Folder} from {sets[0].Data}; a table mixes sets of one data source only");
            if (!s.Shape.SequenceEqual(sets[0].Shape))
                throw new BlindSpotsException($"{s.Folder}: inputs of {string.Join("×", s.Shape)}, but {sets[0].Folder} holds {string.Join("×", sets[0].Shape)}");
        }

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

        var models = new List<(string Name, Model Model)>();
        try
        {
            foreach (var f in modelFiles) models.Add((Path.GetFileNameWithoutExtension(f), ModelArgument.Load(device, f, notices)));
            return TransferMatrix.Evaluate(rows, models, sets[0].Shape, batch);
        }
        finally
        {
            foreach (var (_, m) in models) m.Dispose();
        }
    }

    private static void CheckModelFiles(IReadOnlyList<string> modelFiles)
    {
        if (modelFiles.Count == 0) throw new BlindSpotsException("--models: name at least one model file");
        foreach (var f in modelFiles)
            if (!File.Exists(f)) throw new BlindSpotsException($"--models {f}: no such file");
    }

    /// <summary>
    /// The clean inputs of every example some set holds, once each, in index order: an example one
    /// source model already misclassified (and so did not attack) still counts for the noise rows.
    /// </summary>
    private static (float[] Images, int[] Labels) CleanInputs(IReadOnlyList<AdversarialSet> sets)
    {
        var where = new SortedDictionary<int, (AdversarialSet Set, int Position)>();
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
}
