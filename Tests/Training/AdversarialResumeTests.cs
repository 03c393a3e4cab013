using IlgpuBlindSpots.Network;
using IlgpuBlindSpots.Network.Data;
using IlgpuBlindSpots.Network.Models;
using IlgpuBlindSpots.Network.Training;
using IlgpuBlindSpots.Optimizer.Attacks;
using IlgpuBlindSpots.Tests.Fixtures;
using Xunit;

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

    private static float[][] Run(string? checkpoint, bool interrupt, bool resume, out AdversarialPool usedPool)
    {
        using var model = SequentialModel.Create(TestDevice.Cpu, Arch, [1, 28, 28]);
        model.Initialize(resume ? 99 : options.Seed);
        var pool = new AdversarialPool(TestDevice.Cpu, sample.Value, poolOptions);
        usedPool = pool;
        using var trainer = new Trainer(model, sample.Value, options, pool);
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
    public void ACheckpointOfAnotherPoolIsRefused()
    {
        using var folder = new TempFolder();
        string checkpoint = folder.File("run.checkpoint");
        Run(checkpoint, interrupt: true, resume: false, out var p);
        p.Dispose();
        using var model = SequentialModel.Create(TestDevice.Cpu, Arch, [1, 28, 28]);
        using var other = new AdversarialPool(TestDevice.Cpu, sample.Value, poolOptions with { Size = 25 });
        using var trainer = new Trainer(model, sample.Value, options, other);
        var e = Assert.Throws<BlindSpotsException>(() => trainer.Resume(checkpoint));
        Assert.StartsWith(checkpoint + ":", e.Message);
        Assert.Contains("pool", e.Message);
    }
}
