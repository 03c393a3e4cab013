namespace IlgpuBlindSpots.Network.Layers;

/// <summary>
/// A device tensor a layer reuses across calls, reallocated only when a batch larger than the
/// one allocated comes, or rows of another shape: a smaller batch is the leading rows of the
/// buffer, so that a batch shrinking (problems leaving an attack's batch) allocates nothing.
/// </summary>
public sealed class LayerBuffer : IDisposable
{
    private Tensor? tensor, leading;

    /// <summary>The buffer, of <paramref name="shape"/> on <paramref name="device"/>: the same memory as last time when it fits.</summary>
    public Tensor Get(ComputeDevice device, int[] shape)
    {
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

    /// <summary>Frees the buffer.</summary>
    public void Dispose()
    {
        tensor?.Dispose();
        tensor = null;
        leading = null;
    }
}
