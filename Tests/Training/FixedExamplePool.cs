using IlgpuBlindSpots.Network.Training;
using ILGPU;
using ILGPU.Runtime;

namespace IlgpuBlindSpots.Tests.Training;

/// <summary>
/// A pool of recognisable examples for mixing tests: row j is every pixel −(j + 1) (no data pixel
/// is negative) with label (3j + 1) mod 10. Records the steps it is called before.
/// </summary>
internal sealed class FixedExamplePool : IExamplePool, IDisposable
{
    private readonly MemoryBuffer1D<int, Stride1D.Dense> labels;

    public FixedExamplePool(ComputeDevice device, int count, int rowLength, bool startEmpty = false)
    {
        var images = new float[count * rowLength];
        for (int j = 0; j < count; j++) images.AsSpan(j * rowLength, rowLength).Fill(-(j + 1));
        Images = Tensor.FromArray(device, images, count, rowLength);
        HostLabels = Enumerable.Range(0, count).Select(LabelOf).ToArray();
        labels = device.Accelerator.Allocate1D(HostLabels);
        Count = startEmpty ? 0 : count;
        Capacity = count;
    }

    public static int LabelOf(int row) => (3 * row + 1) % 10;

    /// <summary>The row a gathered image came from, read off its first pixel.</summary>
    public static int RowOf(float pixel) => (int)Math.Round(-pixel) - 1;

    public int Capacity { get; }
    public int[] HostLabels { get; }
    public List<long> Steps { get; } = [];
    /// <summary>The pool holds its examples from this step on (before it, it is empty).</summary>
    public long FillAtStep { get; init; } = -1;

    public int Count { get; private set; }
    public Tensor Images { get; }
    public ArrayView<int> Labels => labels.View;
    public string Description => $"fixed {Capacity}";

    public void BeforeStep(Model model, long step)
    {
        Steps.Add(step);
        if (step == FillAtStep) Count = Capacity;
    }

    public void Restore(ReadOnlySpan<float> images, ReadOnlySpan<int> restored) => Count = restored.Length;

    public void Dispose()
    {
        Images.Dispose();
        labels.Dispose();
    }
}
