using IlgpuBlindSpots.Optimizer.Attacks;

namespace IlgpuBlindSpots.Tests.Attacks;

/// <summary>
/// The attack's batch when none is named: a CPU device's measured favourite, a GPU's whole run as far
/// as half its memory holds it, and a problem's footprint measured from the model.
/// </summary>
public class AttackBatchSizeTests
{
    [Theory]
    [InlineData(1L << 30, 1000L, 10000, 10000)]      // the whole run fits in half of 1 GiB
    [InlineData(1L << 30, 1L << 20, 10000, 512)]     // half of 1 GiB holds 512 problems of 1 MiB
    [InlineData(1000L, 1L << 20, 10000, 1)]          // never below one
    [InlineData(1L << 30, 1000L, 0, 1)]
    public void AGpuTakesTheWholeRunAsFarAsHalfItsMemoryHoldsIt(long memory, long perProblem, int examples, int expected)
    {
        Assert.Equal(expected, AttackBatchSize.ForMemory(memory, perProblem, examples));
    }

    [Fact]
    public void OnTheTestDeviceTheDefaultIsItsOwnAndAProblemCostsItsRowsAndActivations()
    {
        using var model = SequentialModel.Create(TestDevice.Current, "fc:20,relu,fc:10", [1, 8, 8]);
        long rows = (long)AttackBatchSize.RowsPerProblem * 64 * sizeof(float);
        long bytes = AttackBatchSize.BytesPerProblem(model);
        // At least the logits beside the rows; at most a few kilobytes for activations this small.
        Assert.InRange(bytes, rows + 10 * sizeof(float), rows + 4096);
        int expected = TestDevice.Current.FavouredBatch
            ?? AttackBatchSize.ForMemory(TestDevice.Current.Accelerator.MemorySize, bytes, 5000);
        var rule = AttackBatchSize.RuleOf(model);
        Assert.Equal(expected, rule.For(5000));
        Assert.Equal(expected, AttackBatchSize.Default([rule, rule], 5000));
    }

    [Fact]
    public void SeveralDevicesTakeTheSmallestOfTheirBatches()
    {
        var cpu = new AttackBatchSize.DeviceRule(1024, 0, 0);
        var gpu = new AttackBatchSize.DeviceRule(null, 1L << 30, 1L << 20);   // holds 512
        Assert.Equal(512, AttackBatchSize.Default([cpu, gpu], 10000));
        Assert.Equal(300, AttackBatchSize.Default([gpu, gpu], 300));
        Assert.Equal(1024, AttackBatchSize.Default([cpu], 10));
    }

    [Fact]
    public void AProblemsFootprintCountsOnlyThisThreadsAllocations()
    {
        using var model = SequentialModel.Create(TestDevice.Current, "fc:20,relu,fc:10", [1, 8, 8]);
        using var go = new ManualResetEventSlim();
        using var stop = new CancellationTokenSource();
        // Another thread allocates a megabyte tensor after tensor while the footprint is measured.
        var other = new Thread(() =>
        {
            go.Set();
            while (!stop.IsCancellationRequested) Tensor.Allocate(TestDevice.Current, 1 << 18).Dispose();
        });
        other.Start();
        go.Wait();
        long bytes = AttackBatchSize.BytesPerProblem(model);
        stop.Cancel();
        other.Join();
        Assert.InRange(bytes, (long)AttackBatchSize.RowsPerProblem * 64 * sizeof(float), (1 << 20) - 1);
    }
}
