using IlgpuBlindSpots.Network.Models;
using IlgpuBlindSpots.Optimizer.Transfer;

namespace IlgpuBlindSpots.Cli.Transfer;

/// <summary>
/// A transfer table from attack outputs: the sets loaded from their folders, their rows
/// (<see cref="TransferRows"/>), and the matrix those induce on the listed model files, all on one device.
/// </summary>
internal static class TransferExperiment
{
    /// <summary>Loads the attack outputs in <paramref name="setFolders"/>, then runs <see cref="Run(ComputeDevice, IReadOnlyList{AdversarialSet}, IReadOnlyList{string}, double?, IReadOnlyList{double}, int, int, TextWriter?)"/>.</summary>
    public static TransferMatrix Run(ComputeDevice device, IReadOnlyList<string> setFolders, IReadOnlyList<string> modelFiles,
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
    public static TransferMatrix Run(ComputeDevice device, IReadOnlyList<AdversarialSet> sets, IReadOnlyList<string> modelFiles,
        double? amplifyTo, IReadOnlyList<double> noise, int seed, int batch, TextWriter? notices = null)
    {
        if (sets.Count == 0) throw new BlindSpotsException("--sets: name at least one attack output folder");
        CheckModelFiles(modelFiles);
        var rows = TransferRows.Build(device, sets.Select(s => s.Examples).ToList(), amplifyTo, noise, seed);

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
}
