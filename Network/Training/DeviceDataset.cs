using ILGPU;
using ILGPU.Runtime;
using IlgpuBlindSpots.Network.Data;

namespace IlgpuBlindSpots.Network.Training;

/// <summary>A <see cref="Dataset"/> uploaded to the device once: images [N, C·H·W] and labels [N].</summary>
internal sealed class DeviceDataset : IDisposable
{
    private readonly MemoryBuffer1D<int, Stride1D.Dense> labels;

    public DeviceDataset(Device device, Dataset data)
    {
        Source = data;
        Images = Tensor.FromArray(device, data.Images, Math.Max(1, data.Count), data.ImageSize);
        labels = device.Accelerator.Allocate1D<int>(Math.Max(1, data.Count));
        if (data.Count > 0) labels.View.SubView(0, data.Count).CopyFromCPU(data.Labels);
    }

    public Dataset Source { get; }
    public int Count => Source.Count;
    public Tensor Images { get; }
    public ArrayView<int> Labels => labels.View;

    public void Dispose()
    {
        Images.Dispose();
        labels.Dispose();
    }
}
