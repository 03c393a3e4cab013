namespace IlgpuBlindSpots.Network.Layers;

/// <summary>
/// A device tensor a layer reuses across calls, reallocated only when the shape changes
/// (in practice: when the batch size changes).
/// </summary>
internal sealed class LayerBuffer : IDisposable
{
    private Tensor? tensor;

    public Tensor Get(Device device, int[] shape)
    {
        if (tensor is null || !tensor.Shape.SequenceEqual(shape))
        {
            tensor?.Dispose();
            tensor = Tensor.Allocate(device, shape);
        }
        return tensor;
    }

    public void Dispose()
    {
        tensor?.Dispose();
        tensor = null;
    }
}
