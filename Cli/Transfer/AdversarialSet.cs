using IlgpuBlindSpots.Cli.AttackRuns;
using IlgpuBlindSpots.Optimizer.Transfer;

namespace IlgpuBlindSpots.Cli.Transfer;

/// <summary>
/// The adversarial examples of one finished attack run (an <c>attack</c> output folder, or a merge of
/// its shards): every attacked example's exact original and adversarial input, its true label, and
/// the run's description. Examples the source model already misclassified were not attacked and are
/// not in the set.
/// </summary>
internal sealed class AdversarialSet
{
    private AdversarialSet(string folder, IReadOnlyDictionary<string, string> run, AttackedExamples examples, double meanDistortion, int succeeded)
    {
        (Folder, Run, Examples, MeanDistortion, Succeeded) = (folder, run, examples, meanDistortion, succeeded);
    }

    public string Folder { get; }
    public IReadOnlyDictionary<string, string> Run { get; }
    /// <summary>The examples, as a transfer table takes them.</summary>
    public AttackedExamples Examples { get; }
    /// <summary>The source model's file name without its extension.</summary>
    public string Name => Examples.Name;
    public int[] Indices => Examples.Indices;
    public int[] Labels => Examples.Labels;
    public float[] Originals => Examples.Originals;
    public float[] Adversarials => Examples.Adversarials;
    /// <summary>C, H, W of one input.</summary>
    public int[] Shape => Examples.Shape;
    public int Length => Examples.Length;
    public int Count => Examples.Count;
    /// <summary>The attack's own figure: mean distortion over its successful examples.</summary>
    public double MeanDistortion { get; }
    public int Succeeded { get; }
    /// <summary>The data set the examples came from, without the range (e.g. "mnist test").</summary>
    public string Data => Examples.Data;

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
        string data = run.GetValueOrDefault("data_source") ?? run.GetValueOrDefault("data", "?");
        var examples = new AttackedExamples(name, folder, data, shape, attacked.Select(x => x.Index).ToArray(),
            attacked.Select(x => x.Label).ToArray(), originals, adversarials);
        return new AdversarialSet(folder, run, examples, won.Count == 0 ? double.NaN : won.Average(x => x.Distortion), won.Count);
    }
}
