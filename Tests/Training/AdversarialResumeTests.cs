using IlgpuBlindSpots.Network.Training;
using IlgpuBlindSpots.Optimizer.Attacks;

namespace IlgpuBlindSpots.Tests.Training;

/// <summary>
/// Adversarial training is deterministic and its checkpoint carries the pool: a run interrupted
/// and resumed gives the uninterrupted model bit for bit; a checkpoint of another pool is refused.
/// </summary>
public class AdversarialResumeTests
{
    private const string Arch = "fc:16,sigmoid,dropout:0.2,fc:10";

    private static readonly Lazy<Dataset> sample = new(() =>
        Dataset.LoadDirectory(Path.Combine(RepoFiles.DataRoot, "sample"), DatasetSplit.Test).Slice(0, 150));

    private static readonly TrainingOptions options = new(
        Epochs: 4, BatchSize: 40, LearningRate: 0.3, Optimizer: OptimizerKind.Sgd, Schedule: LearningRateSchedule.Cosine,
        WeightDecay: [1e-4], Seed: 2, PoolShare: 0.25);

    private static readonly AdversarialPoolOptions poolOptions = new() { Size = 24, RefreshCount = 8, RefreshEvery = 3, Seed = 2 };

    private static float[][] Run(string? checkpoint, bool interrupt, bool resume, out AdversarialPool usedPool) =>
        RunWithPools(checkpoint, interrupt, resume, [0], out var pools, out usedPool);

    private static float[][] RunWithPools(string? checkpoint, bool interrupt, bool resume, int[] layers, out AdversarialPool[] usedPools,
        out AdversarialPool usedPool)
    {
        using var model = SequentialModel.Create(TestDevice.Current, Arch, [1, 28, 28]);
        model.Initialize(resume ? 99 : options.Seed);
        usedPools = layers.Select(k => new AdversarialPool(model, sample.Value, poolOptions with { Layer = k })).ToArray();
        usedPool = usedPools[0];
        using var trainer = new Trainer(model, sample.Value, options, usedPools);
        if (resume) trainer.Resume(checkpoint!);
        using var cancel = new CancellationTokenSource();
        if (interrupt)
            Assert.Throws<OperationCanceledException>(() => trainer.Train(p =>
            {
                if (p.Epoch == 2 && p.EpochDone) cancel.Cancel();
            }, checkpoint, cancel: cancel.Token));
        else
            trainer.Train(checkpointPath: checkpoint);
        return model.Parameters.Select(p => p.Value.ToArray()).ToArray();
    }

    [Fact]
    public void ResumingAnAdversarialRunGivesTheUninterruptedModel()
    {
        using var folder = new TempFolder();
        string checkpoint = folder.File("run.checkpoint");
        var uninterrupted = Run(null, interrupt: false, resume: false, out var p1);
        int poolCount = p1.Count;
        float[] poolImages = p1.Images.ToArray();
        p1.Dispose();
        Run(checkpoint, interrupt: true, resume: false, out var p2);
        Assert.True(p2.Made > 0);
        p2.Dispose();
        var resumed = Run(checkpoint, interrupt: false, resume: true, out var p3);
        Assert.Equal(uninterrupted, resumed);
        Assert.Equal(poolCount, p3.Count);
        Assert.Equal(poolImages, p3.Images.ToArray());
        p3.Dispose();
    }

    [Fact]
    public void ResumingARunWithAPoolPerLayerGivesTheUninterruptedModel()
    {
        using var folder = new TempFolder();
        string checkpoint = folder.File("run.checkpoint");
        int[] layers = [0, 2];
        var uninterrupted = RunWithPools(null, interrupt: false, resume: false, layers, out var first, out _);
        var hiddenImages = first[1].Images.ToArray();
        Assert.True(first[1].Made > 0);
        foreach (var p in first) p.Dispose();

        // The hidden pool changes what is learned: the same run with the input's pool alone differs.
        var inputOnly = RunWithPools(null, interrupt: false, resume: false, [0], out var single, out _);
        foreach (var p in single) p.Dispose();
        Assert.NotEqual(uninterrupted, inputOnly);

        RunWithPools(checkpoint, interrupt: true, resume: false, layers, out var second, out _);
        foreach (var p in second) p.Dispose();
        var resumed = RunWithPools(checkpoint, interrupt: false, resume: true, layers, out var third, out _);
        Assert.Equal(uninterrupted, resumed);
        Assert.Equal(hiddenImages, third[1].Images.ToArray());
        foreach (var p in third) p.Dispose();
    }

    [Fact]
    public void ACheckpointWithPoolsOfOtherLayersIsRefused()
    {
        using var folder = new TempFolder();
        string checkpoint = folder.File("run.checkpoint");
        RunWithPools(checkpoint, interrupt: true, resume: false, [0, 2], out var written, out _);
        foreach (var p in written) p.Dispose();
        using var model = SequentialModel.Create(TestDevice.Current, Arch, [1, 28, 28]);
        using var inputOnly = new AdversarialPool(model, sample.Value, poolOptions);
        using var trainer = new Trainer(model, sample.Value, options, inputOnly);
        var e = Assert.Throws<BlindSpotsException>(() => trainer.Resume(checkpoint));
        Assert.StartsWith(checkpoint + ":", e.Message);
        Assert.Contains("[pool,pool2]", e.Message);
    }

    [Fact]
    public void ACheckpointOfAnotherPoolIsRefused()
    {
        using var folder = new TempFolder();
        string checkpoint = folder.File("run.checkpoint");
        Run(checkpoint, interrupt: true, resume: false, out var p);
        p.Dispose();
        using var model = SequentialModel.Create(TestDevice.Current, Arch, [1, 28, 28]);
        using var other = new AdversarialPool(TestDevice.Current, sample.Value, poolOptions with { Size = 25 });
        using var trainer = new Trainer(model, sample.Value, options, other);
        var e = Assert.Throws<BlindSpotsException>(() => trainer.Resume(checkpoint));
        Assert.StartsWith(checkpoint + ":", e.Message);
        Assert.Contains("pool", e.Message);
    }
}
