using IlgpuBlindSpots.Optimizer.Attacks;

namespace IlgpuBlindSpots.Tests.Attacks;

/// <summary>
/// The work split between devices: every batch is done exactly once, by some worker, and handed
/// on one at a time; a failure or a cancellation stops the work and reaches the caller.
/// </summary>
public class DeviceWorkersTests
{
    [Fact]
    public void EveryBatchIsDoneOnceAndHandedOnOneAtATime()
    {
        var batches = Enumerable.Range(0, 60).Chunk(7).ToList();
        var seen = new List<int>();
        var workersUsed = new HashSet<string>();
        int inside = 0, most = 0;
        DeviceWorkers.Run(["a", "b", "c"], batches, (worker, batch) =>
        {
            Thread.Sleep(1);
            return (worker, batch);
        }, done =>
        {
            most = Math.Max(most, Interlocked.Increment(ref inside));
            seen.AddRange(done.batch);
            workersUsed.Add(done.worker);
            Interlocked.Decrement(ref inside);
        });
        Assert.Equal(Enumerable.Range(0, 60), seen.Order());
        Assert.Equal(1, most);
        Assert.NotEmpty(workersUsed);
    }

    [Fact]
    public void AFailingBatchStopsTheOthersAndIsRethrown()
    {
        int started = 0;
        var e = Assert.Throws<InvalidOperationException>(() => DeviceWorkers.Run([1], Enumerable.Range(0, 1000), (_, b) =>
        {
            Interlocked.Increment(ref started);
            return b == 3 ? throw new InvalidOperationException("batch 3") : b;
        }, _ => { }));
        Assert.Equal("batch 3", e.Message);
        // No batch is taken after the failure.
        Assert.Equal(4, started);
    }

    [Fact]
    public void ACancelledRunStopsAndSaysSo()
    {
        using var cancel = new CancellationTokenSource();
        int done = 0;
        Assert.ThrowsAny<OperationCanceledException>(() => DeviceWorkers.Run([0], Enumerable.Range(0, 100), (_, b) => b, _ =>
        {
            if (++done == 5) cancel.Cancel();
        }, cancel.Token));
        Assert.Equal(5, done);
    }
}
