namespace IlgpuBlindSpots.Network.Layers;

/// <summary>
/// Device memory a graph model lends to its layers' <see cref="LayerBuffer"/>s while it runs them,
/// and takes back when no later step reads a value: a buffer released by one layer is the next
/// layer's output, so a pass holds only the values still to be read, not one buffer per layer.
/// Released memory stays in the pool (allocated once, reused from pass to pass) until it is disposed.
/// </summary>
/// <remarks>
/// Layers, the project's and a user's own, ask their <see cref="LayerBuffer"/> for memory and know
/// nothing of the graph; the model makes its pool the lender for the current thread while a node runs
/// (<see cref="Lend"/>), so the same layers work unchanged in a chain, where each keeps its own buffers.
/// </remarks>
public sealed class ActivationPool : IDisposable
{
    [ThreadStatic] private static ActivationPool? lender;

    private readonly List<Tensor> free = [];
    private readonly Dictionary<object, (Tensor Memory, LayerBuffer Holder)> lent = new(ReferenceEqualityComparer.Instance);

    /// <summary>The pool lending to layer buffers on this thread now, or null (buffers then allocate their own).</summary>
    internal static ActivationPool? Lender => lender;

    /// <summary>Bytes of device memory the pool has allocated, lent or free: its footprint.</summary>
    public long AllocatedBytes { get; private set; }
    /// <summary>Bytes lent now.</summary>
    public long LentBytes { get; private set; }
    /// <summary>The most bytes lent at once since <see cref="ResetPeak"/>.</summary>
    public long PeakLentBytes { get; private set; }

    /// <summary>Makes this pool the lender of layer buffers on this thread until the result is disposed.</summary>
    public IDisposable Lend() => new Lending(this);

    /// <summary>Whether <paramref name="tensor"/>'s memory is lent by this pool now.</summary>
    public bool Holds(Tensor tensor) => lent.ContainsKey(tensor.Storage);

    /// <summary>Starts a new peak measurement from what is lent now.</summary>
    public void ResetPeak() => PeakLentBytes = LentBytes;

    /// <summary>Lends <paramref name="holder"/> memory of at least <paramref name="length"/> values: the smallest free buffer that fits, else a new one.</summary>
    internal Tensor Rent(ComputeDevice device, int length, LayerBuffer holder)
    {
        Tensor? best = null;
        foreach (var t in free)
            if (t.Device == device && t.Length >= length && (best is null || t.Length < best.Length)) best = t;
        if (best is null)
        {
            best = Tensor.Allocate(device, length);
            AllocatedBytes += 4L * length;
        }
        else free.Remove(best);
        lent[best.Storage] = (best, holder);
        LentBytes += 4L * best.Length;
        PeakLentBytes = Math.Max(PeakLentBytes, LentBytes);
        return best;
    }

    /// <summary>Takes back the memory <paramref name="tensor"/> lives in, if lent, from the buffer holding it.</summary>
    public void Release(Tensor tensor)
    {
        if (!lent.Remove(tensor.Storage, out var entry)) return;
        entry.Holder.Forget();
        LentBytes -= 4L * entry.Memory.Length;
        free.Add(entry.Memory);
    }

    /// <summary>Takes back all lent memory except that of <paramref name="keep"/> (e.g. an input the caller passed).</summary>
    public void ReleaseAll(Tensor? keep = null)
    {
        foreach (var (memory, _) in lent.Values.ToList())
            if (keep is null || !ReferenceEquals(memory.Storage, keep.Storage)) Release(memory);
    }

    /// <summary>Frees all the pool's memory; buffers it lent to forget it.</summary>
    public void Dispose()
    {
        foreach (var (memory, holder) in lent.Values)
        {
            holder.Forget();
            memory.Dispose();
        }
        foreach (var t in free) t.Dispose();
        lent.Clear();
        free.Clear();
        AllocatedBytes = LentBytes = 0;
    }

    private sealed class Lending : IDisposable
    {
        private readonly ActivationPool? previous = lender;

        public Lending(ActivationPool pool) => lender = pool;

        public void Dispose() => lender = previous;
    }
}
