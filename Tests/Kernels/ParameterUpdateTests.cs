using ILGPU;

namespace IlgpuBlindSpots.Tests.Kernels;

public class ParameterUpdateTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1000)]
    public void SgdMomentumMatchesReference(int n)
    {
        var dev = TestDevice.Current;
        float[] w = Rand.Uniform(1, n), g = Rand.Uniform(2, n), v = Rand.Uniform(3, n);
        using var tw = Tensor.FromArray(dev, w, n);
        using var tg = Tensor.FromArray(dev, g, n);
        using var tv = Tensor.FromArray(dev, v, n);
        var s = dev.Split(n);
        dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float>(ParameterUpdate.SgdMomentum)(
            s.Threads, s, tw.View, tg.View, tv.View, 0.05f, 0.9f);
        var (rw, rv) = ParameterUpdateReference.SgdMomentum(w, g, v, 0.05, 0.9);
        Compare.Close(rw, tw.ToArray(), what: "w");
        Compare.Close(rv, tv.ToArray(), what: "velocity");
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(17, 3)]
    [InlineData(1000, 50)]
    public void AdamMatchesTextbookFormWithBiasCorrection(int n, int step)
    {
        var dev = TestDevice.Current;
        float[] w = Rand.Uniform(1, n), g = Rand.Uniform(2, n), m = Rand.Uniform(3, n, -0.1f, 0.1f), v = Rand.Uniform(4, n, 0f, 0.01f);
        using var tw = Tensor.FromArray(dev, w, n);
        using var tg = Tensor.FromArray(dev, g, n);
        using var tm = Tensor.FromArray(dev, m, n);
        using var tv = Tensor.FromArray(dev, v, n);
        const double lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        double c2 = Math.Sqrt(1 - Math.Pow(b2, step));
        float stepSize = (float)(lr * c2 / (1 - Math.Pow(b1, step)));
        var s = dev.Split(n);
        dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, float, float>(ParameterUpdate.Adam)(
            s.Threads, s, tw.View, tg.View, tm.View, tv.View, stepSize, (float)b1, (float)b2, (float)(eps * c2));
        var (rw, rm, rv) = ParameterUpdateReference.Adam(w, g, m, v, lr, b1, b2, eps, step);
        Compare.Close(rw, tw.ToArray(), rtol: 1e-5, atol: 1e-6, what: "w");
        Compare.Close(rm, tm.ToArray(), what: "m");
        Compare.Close(rv, tv.ToArray(), what: "v");
    }
}
