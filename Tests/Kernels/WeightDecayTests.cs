using ILGPU;
using ILGPU.Runtime;

namespace IlgpuBlindSpots.Tests.Kernels;

/// <summary>Weight decay against <see cref="WeightDecayReference"/>: gradient λ·w, penalty λ/2·|w|².</summary>
public class WeightDecayTests
{
    private const float Lambda = 5e-4f;

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(784)]
    [InlineData(17 * 784 + 3)]
    public void GradientAndPenaltyMatchFloat64ReferenceForEverySplit(int length)
    {
        var dev = TestDevice.Current;
        float[] w = Rand.Uniform(length, length), grad = Rand.Uniform(length + 1, length, -0.01f, 0.01f);
        using var tw = Tensor.FromArray(dev, w, length);
        using var tgrad = Tensor.Allocate(dev, length);
        double[] expectedGrad = WeightDecayReference.AddGradient(w, grad, Lambda);
        double expectedPenalty = WeightDecayReference.Penalty(w.Select(v => (double)v).ToArray(), Lambda);

        foreach (var s in new[] { dev.Split(length), WorkSplit.Chunked(length, 3), WorkSplit.Strided(length, 5), WorkSplit.Strided(length, 1024) })
        {
            tgrad.CopyFrom(grad);
            double penalty = AddGradientAndPenalty(s, tw, tgrad, Lambda, accumulateOnto: null);
            Compare.Close(expectedGrad, tgrad.ToArray(), rtol: 1e-6, atol: 1e-9, what: "gradient");
            Assert.Equal(expectedPenalty, penalty, expectedPenalty * 1e-12);
        }
    }

    [Fact]
    public void PenaltiesOfSeveralTensorsAddUp()
    {
        var dev = TestDevice.Current;
        float[] w1 = Rand.Uniform(1, 300), w2 = Rand.Uniform(2, 50);
        using var tw1 = Tensor.FromArray(dev, w1, 300);
        using var tw2 = Tensor.FromArray(dev, w2, 50);
        using var tg1 = Tensor.Zeros(dev, 300);
        using var tg2 = Tensor.Zeros(dev, 50);
        double first = AddGradientAndPenalty(dev.Split(300), tw1, tg1, Lambda, accumulateOnto: null);
        double total = AddGradientAndPenalty(dev.Split(50), tw2, tg2, Lambda, accumulateOnto: first);
        double expected = WeightDecayReference.Penalty(w1.Concat(w2).Select(v => (double)v).ToArray(), Lambda);
        Assert.Equal(expected, total, expected * 1e-12);
    }

    [Fact]
    public void AddedGradientIsTheDerivativeOfThePenalty()
    {
        var dev = TestDevice.Current;
        const int length = 23;
        const float lambda = 0.01f;
        float[] w = Rand.Uniform(3, length);
        using var tw = Tensor.FromArray(dev, w, length);
        using var tgrad = Tensor.Zeros(dev, length);
        AddGradientAndPenalty(dev.Split(length), tw, tgrad, lambda, accumulateOnto: null);

        const double h = 1e-3;
        var numeric = new double[length];
        for (int i = 0; i < length; i++)
        {
            double[] plus = w.Select(v => (double)v).ToArray(), minus = (double[])plus.Clone();
            plus[i] += h;
            minus[i] -= h;
            numeric[i] = (WeightDecayReference.Penalty(plus, lambda) - WeightDecayReference.Penalty(minus, lambda)) / (2 * h);
        }
        Compare.Close(numeric, tgrad.ToArray(), rtol: 1e-5, atol: 1e-9, what: "λ·w vs central differences of the penalty");
    }

    /// <summary>Runs AddGradient then FinishSum with scale λ/2; returns the penalty (plus the previous total, if given).</summary>
    private static double AddGradientAndPenalty(WorkSplit s, Tensor w, Tensor grad, float lambda, double? accumulateOnto)
    {
        var dev = TestDevice.Current;
        using var partials = dev.Accelerator.Allocate1D<double>(s.Threads);
        using var total = dev.Accelerator.Allocate1D(new[] { accumulateOnto ?? double.NaN });
        dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<double>, float>(WeightDecay.AddGradient)(
            s.Threads, s, w.View, grad.View, partials.View, lambda);
        var one = dev.Split(1);
        dev.KernelCache.Load<WorkSplit, ArrayView<double>, ArrayView<double>, int, double, int>(VectorOps.FinishSum)(
            one.Threads, one, partials.View, total.View, s.Threads, lambda / 2.0, accumulateOnto is null ? 0 : 1);
        return total.GetAsArray1D()[0];
    }
}
