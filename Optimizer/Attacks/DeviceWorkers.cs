namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// Work shared between devices: one worker per device (each with its own copy of the model), each
/// taking the next batch of a queue until the queue is empty, cancelled, or a worker fails.
/// </summary>
public static class DeviceWorkers
{
    /// <summary>
    /// Runs <paramref name="work"/> on every batch with the worker of one of <paramref name="workers"/>
    /// (typically a model per device) and hands each outcome to <paramref name="done"/>, one call at
    /// a time, in the order they finish. The first exception of any worker stops the others from
    /// taking more batches and is rethrown here; so is a cancellation.
    /// </summary>
    public static void Run<TWorker, TBatch, TResult>(IReadOnlyList<TWorker> workers, IEnumerable<TBatch> batches,
        Func<TWorker, TBatch, TResult> work, Action<TResult> done, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(workers);
        ArgumentNullException.ThrowIfNull(batches);
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(done);
        var queue = new Queue<TBatch>(batches);
        var gate = new object();
        Exception? failure = null;
        void Drain(TWorker worker)
        {
            try
            {
                while (true)
                {
                    TBatch batch;
                    lock (gate)
                    {
                        if (failure != null || queue.Count == 0) return;
                        cancel.ThrowIfCancellationRequested();
                        batch = queue.Dequeue();
                    }
                    var result = work(worker, batch);
                    lock (gate) done(result);
                }
            }
            catch (Exception e)
            {
                lock (gate) failure ??= e;
            }
        }
        var threads = workers.Select(w => new Thread(() => Drain(w))).ToList();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        if (failure != null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
    }
}
