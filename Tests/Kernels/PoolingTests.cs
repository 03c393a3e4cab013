using ILGPU;
using ILGPU.Runtime;

namespace IlgpuBlindSpots.Tests.Kernels;

/// <summary>Max-pooling kernels against <see cref="PoolingReference"/> and against central differences of its forward pass.</summary>
public class PoolingTests
{
    // batch, channels, height, width, kernel h, kernel w, stride h, stride w, pad h, pad w
    public static TheoryData<int, int, int, int, int, int, int, int, int, int> Shapes => new()
    {
        { 1, 1, 7, 5, 2, 2, 2, 2, 0, 0 },      // odd sizes: the last row and column are excluded
        { 17, 1, 8, 8, 2, 2, 2, 2, 0, 0 },
        { 3, 3, 13, 9, 3, 3, 2, 2, 0, 0 },     // overlapping windows (AlexNet)
        { 3, 3, 13, 9, 3, 3, 2, 2, 1, 1 },     // overlapping, padded: partial windows at both edges
        { 3, 2, 27, 27, 3, 3, 2, 2, 0, 0 },
        { 1, 3, 7, 5, 3, 2, 1, 2, 1, 1 },      // non-square window, separate strides
        { 2, 1, 9, 10, 3, 3, 3, 3, 1, 0 },
        { 2, 3, 6, 7, 4, 4, 2, 3, 2, 1 },      // padding of half the window
        { 1, 1, 5, 4, 1, 1, 1, 1, 0, 0 },      // 1×1 window: the identity
        { 2, 2, 7, 7, 2, 3, 3, 4, 0, 0 },      // stride larger than the window: unpooled cells
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ForwardAndBackwardMatchFloat64Reference(int batch, int channels, int height, int width,
        int kernelH, int kernelW, int strideH, int strideW, int padH, int padW) =>
        CheckAgainstReference(new PoolingReference(batch, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW));

    public static TheoryData<int> Seeds => new(Enumerable.Range(0, 40));

    /// <summary>Random small shapes, padding up to half the window as PyTorch allows.</summary>
    [Theory]
    [MemberData(nameof(Seeds))]
    public void RandomShapesMatchFloat64Reference(int seed)
    {
        var rng = new Random(2000 + seed);
        int kh = rng.Next(1, 6), kw = rng.Next(1, 6);
        int ph = rng.Next(0, kh / 2 + 1), pw = rng.Next(0, kw / 2 + 1);
        int h = Math.Max(rng.Next(1, 16), kh - 2 * ph), w = Math.Max(rng.Next(1, 16), kw - 2 * pw);
        CheckAgainstReference(new PoolingReference(rng.Next(1, 5), rng.Next(1, 4), h, w, kh, kw, rng.Next(1, 5), rng.Next(1, 5), ph, pw));
    }

    private static void CheckAgainstReference(PoolingReference r)
    {
        // Continuous data, then data from four levels so that most windows hold ties.
        foreach (var x in new[] { Rand.Uniform(1, r.InputLength), Quantized(Rand.Uniform(2, r.InputLength)) })
        {
            float[] dy = Rand.Uniform(3, r.OutputLength);
            var (yRef, argRef) = r.Forward(D(x));
            var (y, arg) = Forward(r, x);
            Assert.Equal(argRef, arg);
            Assert.Equal(yRef, D(y));
            Compare.Close(r.Backward(D(dy), argRef), Backward(r, dy, arg), what: "dX");
        }
    }

    [Fact]
    public void NaNPropagatesThroughItsWindows()
    {
        var r = new PoolingReference(1, 1, 5, 5, 3, 3, 2, 2, 0, 0);
        float[] x = Rand.Uniform(5, r.InputLength);
        x[2 * 5 + 2] = float.NaN; // the centre cell: in all four overlapping windows
        x[4 * 5 + 4] = float.NaN;
        var (yRef, argRef) = r.Forward(D(x));
        var (y, arg) = Forward(r, x);
        Assert.All(y, v => Assert.True(float.IsNaN(v)));
        Assert.Equal(argRef, arg);
        Assert.All(yRef, v => Assert.True(double.IsNaN(v)));
    }

    /// <summary>dX from the kernels equals a central difference of L = Σ y·g through the float64 forward pass.</summary>
    [Theory]
    [InlineData(2, 2, 7, 6, 3, 3, 2, 2, 1, 1)]
    [InlineData(1, 3, 9, 8, 2, 2, 2, 2, 0, 0)]
    [InlineData(2, 1, 8, 9, 3, 2, 2, 1, 0, 1)]
    public void BackwardMatchesFiniteDifferencesOfForward(int batch, int channels, int height, int width,
        int kernelH, int kernelW, int strideH, int strideW, int padH, int padW)
    {
        var r = new PoolingReference(batch, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW);
        // Distinct values a hundredth apart: no window is within the step of a tie, so L is linear near x.
        var rng = new Random(21);
        var order = Enumerable.Range(0, r.InputLength).OrderBy(_ => rng.Next()).ToArray();
        float[] x = order.Select(i => (i - r.InputLength / 2) * 0.01f).ToArray();
        float[] g = Rand.Uniform(22, r.OutputLength);
        double[] xd = D(x), gd = D(g);
        double Loss()
        {
            var y = r.Forward(xd).Y;
            double s = 0;
            for (int i = 0; i < y.Length; i++) s += y[i] * gd[i];
            return s;
        }

        var (_, arg) = Forward(r, x);
        Compare.Close(FiniteDifferences.Gradient(xd, Loss, h: 1e-3), Backward(r, g, arg), what: "dX vs finite differences");
    }

    private static (float[] Y, int[] ArgMax) Forward(PoolingReference r, float[] x)
    {
        var dev = TestDevice.Current;
        using var tx = Tensor.FromArray(dev, x, r.Batch, r.Channels, r.Height, r.Width);
        using var ty = Tensor.FromArray(dev, Enumerable.Repeat(float.NaN, r.OutputLength).ToArray(), r.OutputLength);
        using var targ = dev.Accelerator.Allocate1D(Enumerable.Repeat(int.MinValue, r.OutputLength).ToArray());
        var s = dev.Split(r.Batch * r.Channels * r.OutH);
        dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<int>, int, int, int, int, int, int, int, int>(
            Pooling.Forward)(s.Threads, s, tx.View, ty.View, targ.View,
            r.Height, r.Width, r.KernelH, r.KernelW, r.StrideH, r.StrideW, r.PadH, r.PadW);
        return (ty.ToArray(), targ.GetAsArray1D());
    }

    private static float[] Backward(PoolingReference r, float[] dy, int[] argMax)
    {
        var dev = TestDevice.Current;
        using var tdy = Tensor.FromArray(dev, dy, r.OutputLength);
        using var targ = dev.Accelerator.Allocate1D(argMax);
        using var tdx = Tensor.FromArray(dev, Enumerable.Repeat(float.NaN, r.InputLength).ToArray(), r.InputLength);
        var s = dev.Split(r.Batch * r.Channels * r.Height);
        dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int, int, int, int, int, int, int>(
            Pooling.Backward)(s.Threads, s, tdy.View, targ.View, tdx.View,
            r.Height, r.Width, r.KernelH, r.KernelW, r.StrideH, r.StrideW, r.PadH, r.PadW);
        return tdx.ToArray();
    }

    private static float[] Quantized(float[] a) => Array.ConvertAll(a, v => MathF.Floor(v * 2f));

    private static double[] D(float[] a) => Array.ConvertAll(a, v => (double)v);
}
