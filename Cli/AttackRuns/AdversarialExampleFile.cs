namespace IlgpuBlindSpots.Cli.AttackRuns;

/// <summary>
/// One attacked example exactly as the attack left it: <c>adversarial/NNNNNN.safetensors</c> with
/// tensors <c>original</c> and <c>adversarial</c> (float32, C×H×W) and the index, label and target
/// in its metadata. The PNG beside it is rounded to 8 bits, which moves a minimal perturbation back
/// across the decision boundary often enough to matter; transfer experiments read this file instead.
/// A PyTorch user loads it with <c>safetensors.torch.load_file</c>.
/// </summary>
internal static class AdversarialExampleFile
{
    public const string Extension = ".safetensors";
    private const string OriginalName = "original", AdversarialName = "adversarial";

    public static string PathOf(string runFolder, int index) =>
        Path.Combine(runFolder, Commands.AttackCommand.AdversarialFolder, $"{index:D6}{Extension}");

    public static void Write(string runFolder, int index, int label, int target, ReadOnlySpan<float> original,
        ReadOnlySpan<float> adversarial, int[] shape)
    {
        var inv = CultureInfo.InvariantCulture;
        SafetensorsFile.Write(PathOf(runFolder, index),
            [new NamedTensor(OriginalName, shape, original.ToArray()), new NamedTensor(AdversarialName, shape, adversarial.ToArray())],
            new Dictionary<string, string>
            {
                ["index"] = index.ToString(inv),
                ["label"] = label.ToString(inv),
                ["target"] = target.ToString(inv),
            });
    }

    /// <summary>
    /// Checks that the exact-input file of an attacked row is there and belongs to it: tensors of
    /// <paramref name="shape"/>, and the row's index, label and target in its metadata. A problem is one
    /// line starting with <paramref name="where"/> (the results file, line and field).
    /// </summary>
    public static void Check(string runFolder, ResultRecord row, int[] shape, string where)
    {
        string path = PathOf(runFolder, row.Index);
        if (!File.Exists(path)) throw new BlindSpotsException($"{where}: its exact-input file {path} is missing");
        SafetensorsFile file;
        try
        {
            file = SafetensorsFile.Read(path);
        }
        catch (BlindSpotsException e)
        {
            throw new BlindSpotsException($"{where}: {e.Message}", e);
        }
        var inv = CultureInfo.InvariantCulture;
        if (!file.TryGet(OriginalName, out var original) || !file.TryGet(AdversarialName, out var adversarial)
            || !original.Shape.SequenceEqual(shape) || !adversarial.Shape.SequenceEqual(shape))
            throw new BlindSpotsException($"{where}: {path} does not hold tensors '{OriginalName}' and '{AdversarialName}' of the run's shape {string.Join("x", shape)}");
        if (file.Metadata.GetValueOrDefault("index") != row.Index.ToString(inv) || file.Metadata.GetValueOrDefault("label") != row.Label.ToString(inv)
            || file.Metadata.GetValueOrDefault("target") != row.Target.ToString(inv))
            throw new BlindSpotsException($"{where}: {path} is not this row's example (its index, label or target differs)");
        // The row's distortions were computed from exactly these two inputs: they must come out the same again.
        var d = IlgpuBlindSpots.Optimizer.Attacks.Distortions.Between(original.Data, adversarial.Data);
        foreach (var (field, fromFile, inRow) in new[] { ("distortion", d.Rms, row.Distortion), ("l2", d.L2, row.L2), ("linf", d.LInf, row.LInf) })
            if (Math.Abs(fromFile - inRow) > 1e-9 * Math.Max(1, Math.Abs(inRow)))
                throw new BlindSpotsException(string.Create(inv,
                    $"{where}: field '{field}' is {inRow:R}, but its exact-input file {path} gives {fromFile:R}"));
    }

    /// <summary>Reads the example <paramref name="index"/> of a run; a missing or foreign file is an error naming it.</summary>
    public static (float[] Original, float[] Adversarial, int[] Shape) Read(string runFolder, int index)
    {
        string path = PathOf(runFolder, index);
        if (!File.Exists(path))
            throw new BlindSpotsException($"{path}: missing; the attack output is partial or older than exact adversarial files (attack again)");
        var file = SafetensorsFile.Read(path);
        if (!file.TryGet(OriginalName, out var original) || !file.TryGet(AdversarialName, out var adversarial)
            || !original.Shape.SequenceEqual(adversarial.Shape)
            || file.Metadata.GetValueOrDefault("index") != index.ToString(CultureInfo.InvariantCulture))
            throw new BlindSpotsException($"{path}: not an adversarial example file of this program (expected tensors '{OriginalName}' and '{AdversarialName}' of one shape, index {index})");
        return (original.Data, adversarial.Data, original.Shape);
    }
}
