using ILGPU;
using ILGPU.Runtime;
using IlgpuBlindSpots.Network.Data;

namespace IlgpuBlindSpots.Network.Training;

/// <summary>A <see cref="Dataset"/> uploaded to the device once: images [N, C·H·W] and labels [N].</summary>
public sealed class DeviceDataset : IDisposable
{
    private readonly MemoryBuffer1D<int, Stride1D.Dense> labels;

    /// <summary>Uploads <paramref name="data"/> to <paramref name="device"/>.</summary>
    public DeviceDataset(ComputeDevice device, Dataset data)
    {
        Source = data;
        Images = Tensor.FromArray(device, data.Images, Math.Max(1, data.Count), data.ImageSize);
        labels = device.Accelerator.Allocate1D<int>(Math.Max(1, data.Count));
        if (data.Count > 0) labels.View.SubView(0, data.Count).CopyFromCPU(data.Labels);
    }

    /// <summary>The host data set it was uploaded from.</summary>
    public Dataset Source { get; }
    /// <summary>Examples.</summary>
    public int Count => Source.Count;
    /// <summary>The images [N, C·H·W] (one zero row when empty).</summary>
    public Tensor Images { get; }
    /// <summary>The labels [N].</summary>
    public ArrayView<int> Labels => labels.View;

    /// <summary>Frees the device copies.</summary>
    public void Dispose()
    {
        Images.Dispose();
        labels.Dispose();
    }
}
