namespace IlgpuBlindSpots.Network.Layers;

/// <summary>
/// A device tensor a layer reuses across calls, reallocated only when the shape changes
/// (in practice: when the batch size changes).
/// </summary>
public sealed class LayerBuffer : IDisposable
{
    private Tensor? tensor;

    /// <summary>The buffer, of <paramref name="shape"/> on <paramref name="device"/>: the same tensor as last time when the shape is unchanged.</summary>
    public Tensor Get(Device device, int[] shape)
    {
        if (tensor is null || !tensor.Shape.SequenceEqual(shape))
        {
            tensor?.Dispose();
            tensor = Tensor.Allocate(device, shape);
        }
        return tensor;
    }

    /// <summary>Frees the buffer.</summary>
    public void Dispose()
    {
        tensor?.Dispose();
        tensor = null;
    }
}
