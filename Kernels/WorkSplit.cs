namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// How one launch of <see cref="Threads"/> threads covers <see cref="Count"/> work items:
/// item j of thread t is <c>t·ThreadStride + j·ItemStride</c>, for j below <see cref="ItemsPerThread"/>.
/// </summary>
/// <remarks>
/// Every kernel of the project loops over its items through a split, so that the host picks the
/// launch size per backend instead of per element. ILGPU's CPU accelerator pays about half a
/// microsecond for every emulated GPU thread, so there a few threads each take a contiguous chunk
/// (<see cref="Chunked"/>); a GPU wants tens of thousands of threads whose neighbours touch
/// neighbouring memory (<see cref="Strided"/>, a grid-stride loop).
/// </remarks>
public readonly struct WorkSplit
{
    /// <summary>Work items the launch covers.</summary>
    public readonly int Count;
    /// <summary>Threads to launch.</summary>
    public readonly int Threads;
    /// <summary>Items each thread visits at most; the last thread may run past <see cref="Count"/> and stop.</summary>
    public readonly int ItemsPerThread;
    /// <summary>Distance between the first items of neighbouring threads.</summary>
    public readonly int ThreadStride;
    /// <summary>Distance between a thread's consecutive items.</summary>
    public readonly int ItemStride;

    private WorkSplit(int count, int threads, int itemsPerThread, int threadStride, int itemStride)
    {
        Count = count;
        Threads = threads;
        ItemsPerThread = itemsPerThread;
        ThreadStride = threadStride;
        ItemStride = itemStride;
    }

    /// <summary>Thread t takes the contiguous items [t·chunk, (t+1)·chunk).</summary>
    public static WorkSplit Chunked(int count, int maxThreads)
    {
        int threads = Math.Max(1, Math.Min(count, maxThreads));
        int chunk = count == 0 ? 0 : (count + threads - 1) / threads;
        // Recount: with rounded-up chunks fewer threads may suffice.
        threads = chunk == 0 ? 1 : (count + chunk - 1) / chunk;
        return new WorkSplit(count, threads, chunk, chunk, 1);
    }

    /// <summary>Thread t takes items t, t + T, t + 2T, … (coalesced on a GPU).</summary>
    public static WorkSplit Strided(int count, int maxThreads)
    {
        int threads = Math.Max(1, Math.Min(count, maxThreads));
        int perThread = (count + threads - 1) / threads;
        return new WorkSplit(count, threads, perThread, 1, threads);
    }

    /// <summary>The j-th item of thread <paramref name="thread"/>; may be ≥ Count, which ends the loop.</summary>
    public int Item(int thread, int j) => thread * ThreadStride + j * ItemStride;
}
