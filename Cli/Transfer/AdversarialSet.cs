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
        var (description, _) = RunReader.ReadDescription(folder);
        string shard = description.GetValueOrDefault("shard", "0/1");
        if (shard != "0/1" && !shard.StartsWith("merged", StringComparison.Ordinal))
            throw new BlindSpotsException($"{folder}: holds shard {shard} of an attack; merge the shards first (blindspots merge)");
        var read = RunReader.ReadComplete(folder);
        var (run, scope, results) = (read.Description, read.Scope, read.Results);

        // A model that misclassifies every example leaves an empty set: its row has no rates, not an error.
        var attacked = results.Where(x => !x.AlreadyMisclassified).OrderBy(x => x.Index).ToList();
        int[] shape = scope.Shape;
        int length = shape[0] * shape[1] * shape[2];
        float[] originals = new float[attacked.Count * length], adversarials = new float[attacked.Count * length];
        for (int i = 0; i < attacked.Count; i++)
        {
            // The reader has checked each file's shape against the run's.
            var (original, adversarial, _) = AdversarialExampleFile.Read(folder, attacked[i].Index);
            original.CopyTo(originals, i * length);
            adversarial.CopyTo(adversarials, i * length);
        }
        var won = attacked.Where(x => x.Success).ToList();
        string name = Path.GetFileNameWithoutExtension(run.GetValueOrDefault("model") ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(folder)));
        return new AdversarialSet(folder, name, run, attacked.Select(x => x.Index).ToArray(), attacked.Select(x => x.Label).ToArray(),
            originals, adversarials, shape, won.Count == 0 ? double.NaN : won.Average(x => x.Distortion), won.Count);
    }
}
