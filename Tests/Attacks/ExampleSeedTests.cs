using IlgpuBlindSpots.Cli;
using IlgpuBlindSpots.Cli.AttackRuns;
using IlgpuBlindSpots.Optimizer.Attacks;

namespace IlgpuBlindSpots.Tests.Attacks;

/// <summary>
/// Everything random in an attack (Gaussian noise, PGD's random start, a random target) is drawn
/// from the seed and the example's data-set index: the same examples attacked in batches of 1, 7
/// and 256, in shards, or resumed part-way, get identical noise, starts and targets; and the
/// command line draws what the library draws.
/// </summary>
public class ExampleSeedTests
{
    private const int Count = 300;
    private static readonly Lazy<(SequentialModel Model, Dataset Data)> fixture = new(Build);

    /// <summary>A random linear model over 300 random 4×4 images, each labelled by the model's own prediction, so every example is attacked.</summary>
    private static (SequentialModel, Dataset) Build()
    {
        var model = SequentialModel.Create(TestDevice.Cpu, "fc:10", [1, 4, 4]);
        model.Initialize(seed: 3);
        var rng = new Random(8);
        var images = new float[Count * 16];
        for (int i = 0; i < images.Length; i++) images[i] = (float)rng.NextDouble();
        using var x = Tensor.FromArray(TestDevice.Cpu, images, Count, 1, 4, 4);
        float[] logits = model.Logits(x).ToArray();
        var labels = new int[Count];
        for (int i = 0; i < Count; i++)
            for (int k = 1; k < 10; k++)
                if (logits[i * 10 + k] > logits[i * 10 + labels[i]]) labels[i] = k;
        return (model, new Dataset(images, labels, 1, 4, 4, 10, "random images"));
    }

    /// <summary>The examples start..start+count-1 attacked in calls of <paramref name="chunk"/> examples, each a slice of the data set.</summary>
    private static List<AttackResult> InChunks(Func<int, Attack> attackOfBatch, Criterion criterion, int start, int count, int chunk)
    {
        var (model, data) = fixture.Value;
        var results = new List<AttackResult>();
        for (int s = start; s < start + count; s += chunk)
            results.AddRange(attackOfBatch(chunk).Run(model, data.Slice(s, Math.Min(chunk, start + count - s)), criterion));
        return results;
    }

    /// <summary>Whole, in batches of 1, 7 and 256, in two shards, and resumed after 100 examples.</summary>
    private static IEnumerable<(string How, List<AttackResult> Results)> EveryWay(Func<int, Attack> attackOfBatch, Criterion criterion)
    {
        yield return ("one call", InChunks(attackOfBatch, criterion, 0, Count, Count));
        foreach (int b in new[] { 1, 7, 256 })
            yield return ($"batches of {b}", InChunks(attackOfBatch, criterion, 0, Count, b));
        yield return ("two shards", [.. InChunks(attackOfBatch, criterion, 0, 150, 7), .. InChunks(attackOfBatch, criterion, 150, 150, 256)]);
        yield return ("resumed after 100", [.. InChunks(attackOfBatch, criterion, 0, 100, 256), .. InChunks(attackOfBatch, criterion, 100, 200, 7)]);
    }

    private static void AssertSameEveryWay(Func<int, Attack> attackOfBatch, Criterion criterion)
    {
        var ways = EveryWay(attackOfBatch, criterion).ToList();
        var (_, reference) = ways[0];
        Assert.Equal(Count, reference.Count);
        Assert.DoesNotContain(reference, r => r.AlreadyMisclassified);
        // Examples 0 and 256 were the first of their batch of 256 once; they must not share a draw.
        Assert.NotEqual(reference[0].Adversarial.Zip(fixture.Value.Data.Image(0).ToArray(), (a, x) => a - x),
            reference[256].Adversarial.Zip(fixture.Value.Data.Image(256).ToArray(), (a, x) => a - x));
        foreach (var (how, results) in ways.Skip(1))
        {
            Assert.True(results.Count == Count, how);
            for (int i = 0; i < Count; i++)
            {
                Assert.True(reference[i].Target == results[i].Target, $"{how}: example {i}'s target");
                Assert.True(reference[i].Adversarial.SequenceEqual(results[i].Adversarial), $"{how}: example {i}'s perturbed input");
            }
        }
    }

    [Fact]
    public void NoiseAndRandomTargetsDoNotDependOnBatchShardOrResume() =>
        AssertSameEveryWay(b => new GaussianNoiseAttack(0.1, seed: 5, batchSize: b), new RandomTarget(11));

    [Fact]
    public void PgdsRandomStartDoesNotDependOnBatchShardOrResume() =>
        // A step of 0 leaves the projected random start as the result.
        AssertSameEveryWay(b => new PgdAttack(Distance.L2, 0.5, steps: 1, stepSize: 0, randomStart: true, seed: 5, batchSize: b),
            new Misclassification());

    [Fact]
    public void RandomTargetsAreOtherClassesSpreadOverAllOfThem()
    {
        var labels = Enumerable.Range(0, 2000).Select(i => i % 10).ToArray();
        var targets = TargetSelection.Random(labels, Enumerable.Range(500, 2000).ToArray(), 10, seed: 2);
        Assert.All(labels.Zip(targets), p => Assert.NotEqual(p.First, p.Second));
        // Each of the nine other classes of label 0 is drawn: 200 draws leave none out.
        Assert.Equal(9, targets.Where((_, i) => labels[i] == 0).Distinct().Count());
        // The same example keeps its target however it is batched.
        Assert.Equal(targets[1234], TargetSelection.RandomFor(labels[1234], 1734, 10, seed: 2));
    }

    [Fact]
    public void TheCommandLineDrawsTheLibrarysNoiseAndTargets()
    {
        using var folder = new TempFolder();
        string model = Path.Combine(RepoFiles.Root, "models", "fc100-100-10.safetensors");
        string outDir = folder.File("noise");
        var run = CliRun.Run("attack", "--model", model, "--data", "sample", "--range", "10:14", "--batch", "4",
            "--device", "cpu", "--method", "noise", "--stddev", "0.05", "--target", "random", "--seed", "6", "--out", outDir);
        Assert.True(run.Code == 0, run.Err);

        var data = Dataset.Load("sample", DatasetSplit.Test, RepoFiles.DataRoot).Slice(10, 14);
        using var m = ModelArgument.Load(TestDevice.Cpu, model, null);
        var library = new GaussianNoiseAttack(0.05, seed: 6).Run(m, data, new RandomTarget(6));
        var records = RunReader.ReadPartial(outDir, RunReader.ReadDescription(outDir).Scope).OrderBy(r => r.Index).ToList();
        Assert.Equal(Enumerable.Range(10, 14), records.Select(r => r.Index));
        Assert.Contains(records, r => !r.AlreadyMisclassified);
        for (int i = 0; i < records.Count; i++)
        {
            Assert.Equal(library[i].AlreadyMisclassified, records[i].AlreadyMisclassified);
            if (records[i].AlreadyMisclassified) continue;
            Assert.Equal(library[i].Target, records[i].Target);
            Assert.Equal(library[i].Adversarial, AdversarialExampleFile.Read(outDir, records[i].Index).Adversarial);
        }
    }
}
