using System.Globalization;
using IlgpuBlindSpots.Cli.AttackRuns;
using IlgpuBlindSpots.Network;

namespace IlgpuBlindSpots.Cli.Transfer;

/// <summary>
/// The adversarial examples of one finished attack run (an <c>attack</c> output folder, or a merge of
/// its shards): every attacked example's exact original and adversarial input, its true label, and
/// the run's description. Examples the source model already misclassified were not attacked and are
/// not in the set.
/// </summary>
internal sealed class AdversarialSet
{
    private AdversarialSet(string folder, string name, IReadOnlyDictionary<string, string> run, int[] indices, int[] labels,
        float[] originals, float[] adversarials, int[] shape, double meanDistortion, int succeeded)
    {
        Folder = folder;
        Name = name;
        Run = run;
        Indices = indices;
        Labels = labels;
        Originals = originals;
        Adversarials = adversarials;
        Shape = shape;
        MeanDistortion = meanDistortion;
        Succeeded = succeeded;
    }

    public string Folder { get; }
    /// <summary>The source model's file name without its extension.</summary>
    public string Name { get; }
    public IReadOnlyDictionary<string, string> Run { get; }
    public int[] Indices { get; }
    public int[] Labels { get; }
    public float[] Originals { get; }
    public float[] Adversarials { get; }
    /// <summary>C, H, W of one input.</summary>
    public int[] Shape { get; }
    public int Length => Shape[0] * Shape[1] * Shape[2];
    public int Count => Labels.Length;
    /// <summary>The attack's own figure: mean distortion over its successful examples.</summary>
    public double MeanDistortion { get; }
    public int Succeeded { get; }
    /// <summary>The data set the examples came from, without the range (e.g. "mnist test").</summary>
    public string Data => Run.GetValueOrDefault("data_source") ?? Run.GetValueOrDefault("data", "?");

    /// <summary>
    /// Loads a finished run. A folder that is not an attack output, a shard not yet merged, a run cut
    /// off before its end, or a missing example file is a one-line error naming the folder.
    /// </summary>
    public static AdversarialSet Load(string folder)
    {
        string runFile = Path.Combine(folder, RunFolder.RunFile), resultsFile = Path.Combine(folder, RunFolder.ResultsFile);
        if (!File.Exists(runFile) || !File.Exists(resultsFile))
            throw new BlindSpotsException($"{folder}: not an attack output folder (no {RunFolder.RunFile} or {RunFolder.ResultsFile})");
        var run = RunFolder.ReadDescription(runFile);
        string shard = run.GetValueOrDefault("shard", "0/1");
        if (shard != "0/1" && !shard.StartsWith("merged", StringComparison.Ordinal))
            throw new BlindSpotsException($"{folder}: holds shard {shard} of an attack; merge the shards first (blindspots merge)");
        var results = RunFolder.ReadResults(resultsFile);
        if (int.TryParse(run.GetValueOrDefault("expected"), NumberStyles.None, CultureInfo.InvariantCulture, out int expected)
            && results.Count < expected)
            throw new BlindSpotsException($"{folder}: partial attack output, {results.Count} of {expected} examples; finish it with attack --resume");

        // A model that misclassifies every example leaves an empty set: its row has no rates, not an error.
        var attacked = results.Where(r => !r.AlreadyMisclassified).OrderBy(r => r.Index).ToList();
        int[]? shape = run.TryGetValue("input", out var input) ? ParseShape(input, runFile) : null;
        float[] originals = [], adversarials = [];
        for (int i = 0; i < attacked.Count; i++)
        {
            var (original, adversarial, s) = AdversarialExampleFile.Read(folder, attacked[i].Index);
            shape ??= s;
            if (i == 0)
            {
                originals = new float[attacked.Count * original.Length];
                adversarials = new float[attacked.Count * original.Length];
            }
            if (!shape.SequenceEqual(s))
                throw new BlindSpotsException($"{AdversarialExampleFile.PathOf(folder, attacked[i].Index)}: shape [{string.Join(", ", s)}] differs from the set's [{string.Join(", ", shape)}]");
            original.CopyTo(originals, i * original.Length);
            adversarial.CopyTo(adversarials, i * adversarial.Length);
        }
        if (shape == null) throw new BlindSpotsException($"{runFile}: does not say the input shape and holds no example to tell it");
        var won = attacked.Where(r => r.Success).ToList();
        string name = Path.GetFileNameWithoutExtension(run.GetValueOrDefault("model") ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(folder)));
        return new AdversarialSet(folder, name, run, attacked.Select(r => r.Index).ToArray(), attacked.Select(r => r.Label).ToArray(),
            originals, adversarials, shape, won.Count == 0 ? double.NaN : won.Average(r => r.Distortion), won.Count);
    }

    private static int[] ParseShape(string text, string runFile)
    {
        var parts = text.Split('x');
        var shape = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out shape[i]) || shape[i] < 1)
                throw new BlindSpotsException($"{runFile}: input '{text}' is not a shape like 1x28x28");
        if (shape.Length != 3) throw new BlindSpotsException($"{runFile}: input '{text}' is not a shape like 1x28x28");
        return shape;
    }
}
