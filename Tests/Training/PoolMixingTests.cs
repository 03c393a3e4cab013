using IlgpuBlindSpots.Network.Training;
using ILGPU.Runtime;

namespace IlgpuBlindSpots.Tests.Training;

/// <summary>
/// Mixing a pool of extra examples into training batches: each batch holds the configured share
/// of pool examples, gathered on the device with their own labels, after the epoch's data rows.
/// </summary>
public class PoolMixingTests
{
    private const string Arch = "fc:16,sigmoid,dropout:0.2,fc:10";

    private static readonly Lazy<Dataset> sample = new(() =>
        Dataset.LoadDirectory(Path.Combine(RepoFiles.DataRoot, "sample"), DatasetSplit.Test).Slice(0, 48));

    private static TrainingOptions Options(double share) => new(
        Epochs: 2, BatchSize: 16, LearningRate: 0.1, Optimizer: OptimizerKind.Sgd, Schedule: LearningRateSchedule.Constant,
        WeightDecay: [1e-4], Seed: 4, PoolShare: share);

    [Theory]
    [InlineData(0.25, 4)]
    [InlineData(0.5, 8)]
    [InlineData(0.1, 2)]
    public void ABatchHoldsTheShareOfPoolExamplesWithTheirLabels(double share, int expectedPoolRows)
    {
        var dev = TestDevice.Current;
        var data = sample.Value;
        var options = Options(share);
        Assert.Equal(expectedPoolRows, options.PoolRowsPerBatch);
        Assert.Equal(16 - expectedPoolRows, options.DataRowsPerBatch);
        int n = data.ImageSize, d = options.DataRowsPerBatch, k = options.PoolRowsPerBatch;
        using var pool = new FixedExamplePool(dev, 7, n);
        using var deviceData = new DeviceDataset(dev, data);
        int[] order = Trainer.Permutation(options.Seed, 0, data.Count);
        using var permutation = dev.Accelerator.Allocate1D(order);
        using var batches = new BatchAssembler(dev, [1, 28, 28], 16, k);

        int start = d;
        var (x, labels) = batches.Assemble(deviceData, permutation.View, start, d, pool, k, options.Seed, step: 3);
        Assert.Equal(16, x.Batch);
        float[] rows = x.ToArray();
        int[] y = Read(labels);

        for (int i = 0; i < d; i++)
        {
            int example = order[start + i];
            Assert.Equal(data.Images.AsSpan(example * n, n).ToArray(), rows.AsSpan(i * n, n).ToArray());
            Assert.Equal(data.Labels[example], y[i]);
        }
        var drawn = BatchAssembler.PoolDraw(options.Seed, 3, pool.Count, k);
        for (int i = d; i < 16; i++)
        {
            var row = rows.AsSpan(i * n, n);
            int source = FixedExamplePool.RowOf(row[0]);
            Assert.InRange(source, 0, pool.Count - 1);
            Assert.Equal(drawn[i - d], source);
            float first = row[0];
            Assert.All(row.ToArray(), v => Assert.Equal(first, v));
            Assert.Equal(FixedExamplePool.LabelOf(source), y[i]);
        }
        Assert.Equal(k, rows.Where((v, i) => i % n == 0 && v < 0).Count());
    }

    [Fact]
    public void DrawsDifferBetweenStepsAndCoverThePool()
    {
        var seen = new HashSet<int>();
        for (int step = 0; step < 50; step++) seen.UnionWith(BatchAssembler.PoolDraw(4, step, 7, 4));
        Assert.Equal(7, seen.Count);
        Assert.NotEqual(BatchAssembler.PoolDraw(4, 0, 1000, 8), BatchAssembler.PoolDraw(4, 1, 1000, 8));
        Assert.Equal(BatchAssembler.PoolDraw(4, 5, 1000, 8), BatchAssembler.PoolDraw(4, 5, 1000, 8));
    }

    [Fact]
    public void AnEmptyPoolAddsNoRows()
    {
        var dev = TestDevice.Current;
        var data = sample.Value;
        using var pool = new FixedExamplePool(dev, 7, data.ImageSize, startEmpty: true);
        using var deviceData = new DeviceDataset(dev, data);
        using var permutation = dev.Accelerator.Allocate1D(Trainer.Permutation(4, 0, data.Count));
        using var batches = new BatchAssembler(dev, [1, 28, 28], 16, 4);
        var (x, labels) = batches.Assemble(deviceData, permutation.View, 0, 12, pool, 4, 4, step: 0);
        Assert.Equal(12, x.Batch);
        Assert.Equal(12, labels.Length);
        Assert.All(x.ToArray(), v => Assert.True(v >= 0));
    }

    [Fact]
    public void TheTrainerAsksThePoolBeforeEveryStepAndAnEpochCoversTheDataOnce()
    {
        var options = Options(0.25);
        using var model = SequentialModel.Create(TestDevice.Current, Arch, [1, 28, 28]);
        model.Initialize(options.Seed);
        using var pool = new FixedExamplePool(TestDevice.Current, 7, model.InputLength, startEmpty: true) { FillAtStep = 2 };
        using var trainer = new Trainer(model, sample.Value, options, pool);
        // 48 examples at 12 data rows per batch: 4 batches per epoch.
        Assert.Equal(4, trainer.BatchesPerEpoch);
        var progress = new List<TrainingProgress>();
        var summary = trainer.Train(progress.Add);
        Assert.Equal(Enumerable.Range(0, 8).Select(s => (long)s), pool.Steps);
        Assert.Equal(8, trainer.Steps);
        Assert.Equal(96, summary.Examples);
        // Two epochs, each reported once when done, with its 48 training examples.
        Assert.Equal(new[] { 48, 48 }, progress.Where(p => p.EpochDone).Select(p => p.ExamplesDone));
        Assert.All(model.Parameters, p => Assert.All(p.Value.ToArray(), v => Assert.True(float.IsFinite(v))));
    }

    [Fact]
    public void PoolRowsChangeTheTrainedModel()
    {
        float[][] Train(double share)
        {
            var options = Options(share);
            using var model = SequentialModel.Create(TestDevice.Current, Arch, [1, 28, 28]);
            model.Initialize(options.Seed);
            using var pool = share > 0 ? new FixedExamplePool(TestDevice.Current, 7, model.InputLength) : null;
            using var trainer = new Trainer(model, sample.Value, options, pool);
            trainer.Train();
            return model.Parameters.Select(p => p.Value.ToArray()).ToArray();
        }
        Assert.NotEqual(Train(0)[0], Train(0.25)[0]);
        Assert.Equal(Train(0.25), Train(0.25));
    }

    [Theory]
    [InlineData(1.0, "--pool-share")]
    [InlineData(-0.1, "--pool-share")]
    [InlineData(0.99, "--pool-share 0.99 of a batch of 16")]
    [InlineData(0.01, "--pool-share 0.01 of a batch of 16")]
    public void AShareThatLeavesNoRowsIsRefusedByName(double share, string fragment)
    {
        var e = Assert.Throws<BlindSpotsException>(() => Options(share).Validate());
        Assert.Contains(fragment, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void APoolNeedsAShareAndAShareNeedsAPool()
    {
        using var model = SequentialModel.Create(TestDevice.Current, Arch, [1, 28, 28]);
        using var pool = new FixedExamplePool(TestDevice.Current, 3, model.InputLength);
        Assert.Throws<ArgumentException>(() => new Trainer(model, sample.Value, Options(0), pool));
        Assert.Throws<ArgumentException>(() => new Trainer(model, sample.Value, Options(0.25)));
    }

    private static int[] Read(ILGPU.ArrayView<int> view)
    {
        var a = new int[view.Length];
        view.CopyToCPU(a);
        return a;
    }
}
