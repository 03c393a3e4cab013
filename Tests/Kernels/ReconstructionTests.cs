using ILGPU;

namespace IlgpuBlindSpots.Tests.Kernels;

public class ReconstructionTests
{
    private static double Bce(double z, double x) => -x * Math.Log(1 / (1 + Math.Exp(-z))) - (1 - x) * Math.Log(1 - 1 / (1 + Math.Exp(-z)));

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 7)]
    [InlineData(17, 784)]
    public void LossAndGradientMatchFloat64ReferenceAndCentralDifferences(int batch, int n)
    {
        var dev = TestDevice.Current;
        float[] z = Rand.Uniform(1, batch * n, -6f, 6f), x = Rand.Uniform(2, batch * n, 0f, 1f);
        using var tz = Tensor.FromArray(dev, z, batch, n);
        using var tx = Tensor.FromArray(dev, x, batch, n);
        using var loss = Tensor.Allocate(dev, batch);
        using var dz = Tensor.Allocate(dev, batch, n);
        var s = dev.Split(batch);
        dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float>(Reconstruction.SigmoidCrossEntropy)(
            s.Threads, s, tz.View, tx.View, loss.View, dz.View, n, 0.5f);

        var expectedLoss = new double[batch];
        var expectedGrad = new double[batch * n];
        for (int b = 0; b < batch; b++)
            for (int i = 0; i < n; i++)
            {
                int k = b * n + i;
                expectedLoss[b] += Bce(z[k], x[k]);
                // Gradient of 0.5·loss by central differences of the float64 definition.
                expectedGrad[k] = 0.5 * FiniteDifference(v => Bce(v, x[k]), z[k]);
            }
        Compare.Close(expectedLoss, loss.ToArray(), rtol: 1e-5, atol: 1e-5, what: "loss");
        Compare.Close(expectedGrad, dz.ToArray(), rtol: 1e-4, atol: 1e-6, what: "dZ");
    }

    [Fact]
    public void SaturatedLogitsStayFinite()
    {
        var dev = TestDevice.Current;
        float[] z = [-200f, 200f, -200f, 200f], x = [0f, 1f, 1f, 0f];
        using var tz = Tensor.FromArray(dev, z, 1, 4);
        using var tx = Tensor.FromArray(dev, x, 1, 4);
        using var loss = Tensor.Allocate(dev, 1);
        using var dz = Tensor.Allocate(dev, 1, 4);
        var s = dev.Split(1);
        dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float>(Reconstruction.SigmoidCrossEntropy)(
            s.Threads, s, tz.View, tx.View, loss.View, dz.View, 4, 1f);
        Assert.Equal(400.0, loss.ToArray()[0], 3); // two confident right answers cost 0, two wrong ones 200 each
        Assert.Equal(new[] { 0f, 0f, -1f, 1f }, dz.ToArray());
    }

    private static double FiniteDifference(Func<double, double> f, double at)
    {
        const double h = 1e-5;
        return (f(at + h) - f(at - h)) / (2 * h);
    }
}
