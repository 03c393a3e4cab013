using IlgpuBlindSpots.Network.Training;

namespace IlgpuBlindSpots.Tests.Training;

/// <summary>Training on a few hundred committed sample digits: it learns, it is deterministic, and a resumed run equals an uninterrupted one.</summary>
public class TrainerTests
{
    private const string Arch = "fc:32,sigmoid,dropout:0.2,fc:10";

    private static readonly Lazy<Dataset> sample = new(() =>
        Dataset.LoadDirectory(Path.Combine(RepoFiles.DataRoot, "sample"), DatasetSplit.Test).Slice(0, 300));

    private static TrainingOptions Options(OptimizerKind optimizer, int epochs = 3) => new(
        Epochs: epochs, BatchSize: 64, LearningRate: optimizer == OptimizerKind.Adam ? 3e-3 : 0.1, Optimizer: optimizer,
        Momentum: 0.9, Schedule: LearningRateSchedule.Cosine, WeightDecay: [1e-3, 1e-4], Seed: 5);

    private static float[][] Train(TrainingOptions options, out TrainingSummary summary)
    {
        using var model = SequentialModel.Create(TestDevice.Current, Arch, [1, 28, 28]);
        model.Initialize(options.Seed);
        using var trainer = new Trainer(model, sample.Value, options);
        summary = trainer.Train();
        return model.Parameters.Select(p => p.Value.ToArray()).ToArray();
    }

    [Theory]
    [InlineData(OptimizerKind.Adam)]
    [InlineData(OptimizerKind.Sgd)]
    public void TrainingReducesLossAndErrors(OptimizerKind optimizer)
    {
        using var model = SequentialModel.Create(TestDevice.Current, Arch, [1, 28, 28]);
        model.Initialize(3);
        var before = Evaluator.Evaluate(model, sample.Value);
        var progress = new List<TrainingProgress>();
        var options = Options(optimizer, epochs: 8) with { BatchSize = 25, LearningRate = optimizer == OptimizerKind.Adam ? 1e-2 : 0.2 };
        using var trainer = new Trainer(model, sample.Value, options);
        var summary = trainer.Train(progress.Add);
        var after = Evaluator.Evaluate(model, sample.Value);
        Assert.Equal(8, summary.Epochs.Count);
        Assert.True(summary.Epochs[^1].Loss < 0.6 * summary.Epochs[0].Loss, $"epoch losses {string.Join(", ", summary.Epochs.Select(e => e.Loss))}");
        Assert.True(after.MeanLoss < 0.5 * before.MeanLoss, $"loss {before.MeanLoss} → {after.MeanLoss}");
        Assert.True(after.Errors < before.Errors / 3, $"errors {before.Errors} → {after.Errors}");
        Assert.All(progress, p => Assert.InRange(p.Accuracy, 0, 1));
        Assert.Equal(8, progress.Count(p => p.EpochDone));
        Assert.True(summary.Penalty > 0);
    }

    [Theory]
    [InlineData(OptimizerKind.Adam)]
    [InlineData(OptimizerKind.Sgd)]
    public void SameSeedGivesTheSameModelBitForBit(OptimizerKind optimizer)
    {
        var a = Train(Options(optimizer), out _);
        var b = Train(Options(optimizer), out _);
        var c = Train(Options(optimizer) with { Seed = 6 }, out _);
        Assert.Equal(a, b);
        Assert.NotEqual(a[0], c[0]);
    }

    [Theory]
    [InlineData(OptimizerKind.Adam)]
    [InlineData(OptimizerKind.Sgd)]
    public void ResumingFromACheckpointGivesTheUninterruptedModel(OptimizerKind optimizer)
    {
        var options = Options(optimizer, epochs: 4);
        var uninterrupted = Train(options, out _);
        using var folder = new TempFolder();
        string checkpoint = folder.File("run.checkpoint");
        using var cancel = new CancellationTokenSource();
        using (var model = SequentialModel.Create(TestDevice.Current, Arch, [1, 28, 28]))
        {
            model.Initialize(options.Seed);
            using var trainer = new Trainer(model, sample.Value, options);
            // Cancelled as the second epoch ends: the token is seen before the third epoch's first
            // batch, after the checkpoint of two epochs is written.
            Assert.Throws<OperationCanceledException>(() => trainer.Train(p =>
            {
                if (p.Epoch == 2 && p.EpochDone) cancel.Cancel();
            }, checkpoint, cancel: cancel.Token));
            Assert.Equal(2, trainer.EpochsDone);
        }
        float[][] resumed;
        using (var model = SequentialModel.Create(TestDevice.Current, Arch, [1, 28, 28]))
        {
            model.Initialize(99); // overwritten by the checkpoint
            using var trainer = new Trainer(model, sample.Value, options);
            trainer.Resume(checkpoint);
            Assert.Equal(2, trainer.EpochsDone);
            var summary = trainer.Train(checkpointPath: checkpoint);
            Assert.Equal(2, summary.Epochs.Count);
            resumed = model.Parameters.Select(p => p.Value.ToArray()).ToArray();
        }
        Assert.Equal(uninterrupted, resumed);
    }

    [Fact]
    public void CheckpointOfOtherOptionsIsRefused()
    {
        using var folder = new TempFolder();
        string checkpoint = folder.File("run.checkpoint");
        using var model = SequentialModel.Create(TestDevice.Current, Arch, [1, 28, 28]);
        using (var trainer = new Trainer(model, sample.Value, Options(OptimizerKind.Adam, epochs: 1)))
            trainer.Train(checkpointPath: checkpoint);
        using var other = new Trainer(model, sample.Value, Options(OptimizerKind.Adam, epochs: 1) with { LearningRate = 0.5 });
        var e = Assert.Throws<BlindSpotsException>(() => other.Resume(checkpoint));
        Assert.StartsWith(checkpoint + ":", e.Message);
    }

    [Fact]
    public void WeightDecayListMustMatchTheParameterisedLayers()
    {
        using var model = SequentialModel.Create(TestDevice.Current, Arch, [1, 28, 28]);
        var e = Assert.Throws<BlindSpotsException>(() => new Trainer(model, sample.Value, Options(OptimizerKind.Sgd) with { WeightDecay = [1, 2, 3] }).Dispose());
        Assert.Contains("--weight-decay", e.Message);
    }

    [Fact]
    public void WeightDecayAloneShrinksWeightsButNotBiases()
    {
        // With a learning rate far below the decay's pull and zero data signal impossible to arrange,
        // compare a run with a large λ against one without: weights shrink, biases do not feel λ directly.
        var without = Train(Options(OptimizerKind.Sgd) with { WeightDecay = [0] }, out _);
        var with = Train(Options(OptimizerKind.Sgd) with { WeightDecay = [0.5] }, out _);
        static double Norm(float[] w) => Math.Sqrt(w.Sum(v => (double)v * v));
        Assert.True(Norm(with[0]) < 0.8 * Norm(without[0]), $"{Norm(with[0])} vs {Norm(without[0])}");
        Assert.True(Norm(with[2]) < 0.8 * Norm(without[2]));
    }

    [Fact]
    public void PermutationIsAShuffleThatDependsOnSeedAndEpoch()
    {
        var p = Trainer.Permutation(1, 0, 1000);
        Assert.Equal(Enumerable.Range(0, 1000), p.Order());
        Assert.NotEqual(Enumerable.Range(0, 1000), p);
        Assert.Equal(p, Trainer.Permutation(1, 0, 1000));
        Assert.NotEqual(p, Trainer.Permutation(1, 1, 1000));
        Assert.NotEqual(p, Trainer.Permutation(2, 0, 1000));
    }

    [Fact]
    public void BadOptionsAreRefusedNamingTheOption()
    {
        Assert.Contains("--epochs", Assert.Throws<BlindSpotsException>(() => new TrainingOptions(0, 10, 0.1).Validate()).Message);
        Assert.Contains("--batch", Assert.Throws<BlindSpotsException>(() => new TrainingOptions(1, 0, 0.1).Validate()).Message);
        Assert.Contains("--lr", Assert.Throws<BlindSpotsException>(() => new TrainingOptions(1, 10, 0).Validate()).Message);
        Assert.Contains("--momentum", Assert.Throws<BlindSpotsException>(() => new TrainingOptions(1, 10, 0.1, Momentum: 1).Validate()).Message);
        Assert.Contains("--weight-decay", Assert.Throws<BlindSpotsException>(() => new TrainingOptions(1, 10, 0.1, WeightDecay: [-1]).Validate()).Message);
    }
}
