using ILGPU;
using ILGPU.Runtime;

namespace IlgpuBlindSpots.Tests.Kernels;

public class GatherTests
{
    [Theory]
    [InlineData(10, 1, 3, 0)]
    [InlineData(50, 784, 17, 5)]
    [InlineData(7, 3, 1, 6)]
    public void GathersPermutedRowsAndLabels(int n, int rowLength, int batch, int offset)
    {
        var dev = TestDevice.Current;
        float[] src = Rand.Uniform(1, n * rowLength);
        int[] labels = Enumerable.Range(0, n).Select(i => (i * 7) % 10).ToArray();
        int[] perm = Enumerable.Range(0, n).OrderBy(i => (i * 31) % n).ToArray();
        int[] indices = perm.Concat(perm).ToArray(); // offset + batch may run past n in this test
        using var tsrc = Tensor.FromArray(dev, src, n, rowLength);
        using var tdst = Tensor.Allocate(dev, batch, rowLength);
        using var tidx = dev.Accelerator.Allocate1D(indices);
        using var tlab = dev.Accelerator.Allocate1D(labels);
        using var tout = dev.Accelerator.Allocate1D<int>(batch);

        var s = dev.Split(batch * rowLength);
        dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int>(Gather.Rows)(
            s.Threads, s, tsrc.View, tidx.View, tdst.View, offset, rowLength);
        var sl = dev.Split(batch);
        dev.KernelCache.Load<WorkSplit, ArrayView<int>, ArrayView<int>, ArrayView<int>, int>(Gather.Labels)(
            sl.Threads, sl, tlab.View, tidx.View, tout.View, offset);

        var expected = new double[batch * rowLength];
        for (int b = 0; b < batch; b++)
            for (int k = 0; k < rowLength; k++)
                expected[b * rowLength + k] = src[indices[offset + b] * rowLength + k];
        Compare.Close(expected, tdst.ToArray(), rtol: 0, atol: 0, what: "rows");
        Assert.Equal(Enumerable.Range(0, batch).Select(b => labels[indices[offset + b]]), tout.GetAsArray1D());
    }
}
