using IlgpuBlindSpots.Optimizer.Attacks;

namespace IlgpuBlindSpots.Tests.Attacks;

/// <summary>
/// The work split between devices: every batch is done exactly once, by some worker, and handed
/// on one at a time on the caller's thread while the workers go on; a failure or a cancellation
/// stops the work and reaches the caller, after everything finished is handed on. The split gives
/// each device an equal share when batches are few.
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
    public void ACancelledRunStopsSaysSoAndHandsOnEverythingFinished()
    {
        using var cancel = new CancellationTokenSource();
        int done = 0, worked = 0;
        Assert.ThrowsAny<OperationCanceledException>(() => DeviceWorkers.Run([0], Enumerable.Range(0, 100), (_, b) =>
        {
            Interlocked.Increment(ref worked);
            return b;
        }, _ =>
        {
            if (++done == 5) cancel.Cancel();
        }, cancel.Token));
        // The worker may have finished a batch or two beyond the fifth (the queue holds one): each is handed on, none lost.
        Assert.Equal(worked, done);
        Assert.InRange(done, 5, 7);
    }

    [Fact]
    public void TheDeviceDoesNotWaitForTheWriter()
    {
        // The first outcome's writing waits until the worker has started on the second batch: were
        // outcomes handed on on the worker's thread, the worker would be stuck in it and this would time out.
        using var secondStarted = new ManualResetEventSlim();
        var workerThreads = new HashSet<int>();
        int writerThread = -1;
        bool overlapped = true;
        DeviceWorkers.Run([0], Enumerable.Range(0, 3), (_, b) =>
        {
            lock (workerThreads) workerThreads.Add(Environment.CurrentManagedThreadId);
            if (b == 1) secondStarted.Set();
            return b;
        }, b =>
        {
            writerThread = Environment.CurrentManagedThreadId;
            if (b == 0) overlapped &= secondStarted.Wait(TimeSpan.FromSeconds(20));
        });
        Assert.True(overlapped, "the worker did not start its next batch while the writer wrote");
        Assert.Equal(Environment.CurrentManagedThreadId, writerThread);
        Assert.DoesNotContain(writerThread, workerThreads);
    }

    [Fact]
    public void AWorkerRunsAheadOfASlowWriterByOneBatchAtMost()
    {
        using var release = new ManualResetEventSlim();
        int worked = 0, aheadWhileBlocked = -1;
        DeviceWorkers.Run([0], Enumerable.Range(0, 10), (_, b) =>
        {
            Interlocked.Increment(ref worked);
            return b;
        }, b =>
        {
            if (b != 0) return;
            // While the first outcome is being written, the worker fills the queue (one) and finishes one more, then waits.
            Thread.Sleep(300);
            aheadWhileBlocked = Volatile.Read(ref worked);
        });
        Assert.Equal(3, aheadWhileBlocked);
        Assert.Equal(10, worked);
    }

    [Fact]
    public void AFailingWriterStopsTheWorkersAndIsRethrown()
    {
        int worked = 0;
        var e = Assert.Throws<IOException>(() => DeviceWorkers.Run([0, 1], Enumerable.Range(0, 1000), (_, b) =>
        {
            Interlocked.Increment(ref worked);
            return b;
        }, _ => throw new IOException("disk full")));
        Assert.Equal("disk full", e.Message);
        // Each worker finishes at most the batch it holds, and one more waits in the queue's two places.
        Assert.InRange(worked, 1, 5);
    }

    [Fact]
    public void OutcomesFinishedBeforeAWorkerFailsAreHandedOn()
    {
        var handed = new List<int>();
        Assert.Throws<InvalidOperationException>(() => DeviceWorkers.Run([0], Enumerable.Range(0, 10), (_, b) =>
            b == 4 ? throw new InvalidOperationException("batch 4") : b, handed.Add));
        Assert.Equal([0, 1, 2, 3], handed);
    }

    [Theory]
    [InlineData(10, 10, 2, new[] { 5, 5 })]        // one batch would leave a device idle: two equal shares
    [InlineData(10, 6, 2, new[] { 5, 5 })]         // --batch ≥ N/2: equal shares, not 6 and 4
    [InlineData(11, 100, 3, new[] { 4, 4, 3 })]
    [InlineData(10, 3, 2, new[] { 3, 3, 2, 2 })]   // four batches (a multiple of two), none over 3
    [InlineData(10, 4, 1, new[] { 4, 3, 3 })]
    [InlineData(2, 100, 4, new[] { 1, 1 })]        // fewer examples than devices: one each
    [InlineData(0, 5, 2, new int[0])]
    public void TheSplitGivesEachDeviceAnEqualShareWhenBatchesAreFew(int n, int batch, int devices, int[] sizes)
    {
        var items = Enumerable.Range(100, n).ToList();
        var batches = DeviceWorkers.Split(items, batch, devices);
        Assert.Equal(sizes, batches.Select(b => b.Length));
        Assert.Equal(items, batches.SelectMany(b => b));
        Assert.All(batches, b => Assert.InRange(b.Length, 1, batch));
    }
}
