namespace IlgpuBlindSpots.Network.Layers;

/// <summary>
/// A device tensor a layer reuses across calls, reallocated only when a batch larger than the
/// one allocated comes, or rows of another shape: a smaller batch is the leading rows of the
/// buffer, so that a batch shrinking (problems leaving an attack's batch) allocates nothing.
/// While a graph model runs the layer, the memory is lent by the model's <see cref="ActivationPool"/>,
/// which may take it back once no later step reads it; the next call then borrows again.
/// </summary>
public sealed class LayerBuffer : IDisposable
{
    private Tensor? tensor, leading;
    private ActivationPool? pool;

    /// <summary>The buffer, of <paramref name="shape"/> on <paramref name="device"/>: the same memory as last time when it fits.</summary>
    public Tensor Get(ComputeDevice device, int[] shape)
    {
        var lender = ActivationPool.Lender;
        if (lender != null || pool != null) return Borrowed(lender, device, shape);
        if (tensor is null || tensor.Device != device || shape.Length != tensor.Rank || shape[0] > tensor.Batch
            || !tensor.Shape.Skip(1).SequenceEqual(shape.Skip(1)))
        {
            tensor?.Dispose();
            tensor = Tensor.Allocate(device, shape);
            leading = null;
        }
        if (shape[0] == tensor.Batch) return tensor;
        if (leading is null || leading.Batch != shape[0]) leading = tensor.Leading(shape[0]);
        return leading;
    }

    /// <summary>The buffer in memory lent by <paramref name="lender"/> (the current one kept when it fits), or in memory of its own when none lends now.</summary>
    private Tensor Borrowed(ActivationPool? lender, ComputeDevice device, int[] shape)
    {
        long length = shape.Aggregate(1L, (a, b) => a * b);
        bool fits = tensor != null && pool == lender && tensor.Device == device && tensor.Length >= length;
        if (!fits)
        {
            if (tensor != null && pool != null) pool.Release(tensor);
            else tensor?.Dispose();
            tensor = leading = null;
            pool = null;
            if (lender is null) return Get(device, shape);
            tensor = lender.Rent(device, checked((int)length), this);
            pool = lender;
        }
        if (leading is null || !leading.Shape.SequenceEqual(shape)) leading = tensor!.Prefix(shape);
        return leading;
    }

    /// <summary>Lets go of lent memory the pool has taken back: the next <see cref="Get"/> borrows again.</summary>
    internal void Forget()
    {
        tensor = leading = null;
        pool = null;
    }

    /// <summary>Frees the buffer (gives lent memory back to its pool).</summary>
    public void Dispose()
    {
        if (pool != null && tensor != null) pool.Release(tensor);
        else tensor?.Dispose();
        tensor = null;
        leading = null;
        pool = null;
    }
}
