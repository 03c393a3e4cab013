using System.Collections.Concurrent;

namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// Work shared between devices: one worker per device (each with its own copy of the model), each
/// taking the next batch of a queue until the queue is empty, cancelled, or a worker fails. What a
/// worker finishes is handed on to the caller's thread through a bounded queue, so that a device
/// does not wait for the disk while the results of its last batch are written.
/// </summary>
public static class DeviceWorkers
{
    /// <summary>
    /// <paramref name="items"/> cut into batches of at most <paramref name="batch"/> for
    /// <paramref name="devices"/> devices: as many batches as a multiple of the device count (so that
    /// when batches are few each device gets an equal share, and the last round leaves none idle),
    /// their sizes differing by at most one, in order.
    /// </summary>
    public static List<T[]> Split<T>(IReadOnlyList<T> items, int batch, int devices)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(devices, 1);
        int n = items.Count;
        long needed = (n + (long)batch - 1) / batch;
        int count = (int)Math.Min(n, (needed + devices - 1) / devices * devices);
        var batches = new List<T[]>(count);
        for (int k = 0, start = 0; k < count; k++)
        {
            int size = n / count + (k < n % count ? 1 : 0);
            var part = new T[size];
            for (int i = 0; i < size; i++) part[i] = items[start + i];
            batches.Add(part);
            start += size;
        }
        return batches;
    }

    /// <summary>
    /// Runs <paramref name="work"/> on every batch with the worker of one of <paramref name="workers"/>
    /// (typically a model per device) and hands each outcome to <paramref name="done"/> on the
    /// calling thread, one call at a time, in the order they finish. A worker runs ahead of
    /// <paramref name="done"/> by at most one finished batch per worker. The first exception of a
    /// worker or of <paramref name="done"/> stops the workers from taking more batches and is
    /// rethrown here; so is a cancellation. Either way every outcome finished before that is handed
    /// on first (unless <paramref name="done"/> itself failed): an interrupted run loses no finished work.
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
        using var finished = new BlockingCollection<TResult>(Math.Max(1, workers.Count));
        using var writerFailed = new CancellationTokenSource();
        int running = workers.Count;
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
                    finished.Add(work(worker, batch), writerFailed.Token);
                }
            }
            catch (OperationCanceledException) when (writerFailed.IsCancellationRequested)
            {
                // done failed: nothing more can be handed on; its exception is the one reported.
            }
            catch (Exception e)
            {
                lock (gate) failure ??= e;
            }
            finally
            {
                if (Interlocked.Decrement(ref running) == 0) finished.CompleteAdding();
            }
        }
        if (workers.Count == 0) finished.CompleteAdding();
        var threads = workers.Select(w => new Thread(() => Drain(w))).ToList();
        foreach (var t in threads) t.Start();
        try
        {
            foreach (var result in finished.GetConsumingEnumerable()) done(result);
        }
        catch (Exception e)
        {
            lock (gate) failure ??= e;
            writerFailed.Cancel();
        }
        foreach (var t in threads) t.Join();
        if (failure != null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
    }
}
