using ILGPU;

namespace IlgpuBlindSpots.Tests.Kernels;

/// <summary>Dense kernels against <see cref="DenseReference"/> on shapes that hit every tile edge.</summary>
public class DenseTests
{
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 1, 1, 1 }, { 1, 784, 10 }, { 3, 5, 7 }, { 17, 13, 6 }, { 4, 8, 4 }, { 5, 100, 100 }, { 17, 33, 3 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ForwardAndBackwardMatchFloat64Reference(int batch, int k, int n)
    {
        var dev = TestDevice.Current;
        float[] x = Rand.Uniform(1, batch * k), w = Rand.Uniform(2, n * k), b = Rand.Uniform(3, n);
        float[] dy = Rand.Uniform(4, batch * n), dw0 = Rand.Uniform(5, n * k), db0 = Rand.Uniform(6, n);
        using var tx = Tensor.FromArray(dev, x, batch, k);
        using var tw = Tensor.FromArray(dev, w, n, k);
        using var tb = Tensor.FromArray(dev, b, n);
        using var ty = Tensor.Allocate(dev, batch, n);
        using var tdy = Tensor.FromArray(dev, dy, batch, n);
        using var tdx = Tensor.Allocate(dev, batch, k);
        using var tdw = Tensor.FromArray(dev, dw0, n, k);
        using var tdb = Tensor.FromArray(dev, db0, n);

        var s = dev.Split(((batch + 3) / 4) * ((n + 3) / 4));
        dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(Dense.Forward)(
            s.Threads, s, tx.View, tw.View, tb.View, ty.View, batch, k, n);
        s = dev.Split(((batch + 3) / 4) * ((k + 3) / 4));
        dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(Dense.BackwardInput)(
            s.Threads, s, tdy.View, tw.View, tdx.View, batch, k, n);
        // beta = 1: the weight gradient accumulates onto what is there.
        s = dev.Split(((n + 3) / 4) * ((k + 3) / 4));
        dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, float>(Dense.BackwardWeights)(
            s.Threads, s, tdy.View, tx.View, tdw.View, batch, k, n, 1f);
        s = dev.Split(n);
        dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, int, int, float>(Dense.BackwardBias)(
            s.Threads, s, tdy.View, tdb.View, batch, n, 1f);

        Compare.Close(DenseReference.Forward(x, w, b, batch, k, n), ty.ToArray(), what: "y");
        Compare.Close(DenseReference.BackwardInput(dy, w, batch, k, n), tdx.ToArray(), what: "dX");
        var dwRef = DenseReference.BackwardWeights(dy, x, batch, k, n);
        for (int i = 0; i < dwRef.Length; i++) dwRef[i] += dw0[i];
        Compare.Close(dwRef, tdw.ToArray(), what: "dW");
        var dbRef = DenseReference.BackwardBias(dy, batch, n);
        for (int i = 0; i < dbRef.Length; i++) dbRef[i] += db0[i];
        Compare.Close(dbRef, tdb.ToArray(), what: "db");
    }
}
