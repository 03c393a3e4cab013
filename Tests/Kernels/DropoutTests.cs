using ILGPU;

namespace IlgpuBlindSpots.Tests.Kernels;

/// <summary>
/// Dropout kernels against <see cref="DropoutReference"/>, and the statistics of their
/// counter-based random numbers: bounds of five standard deviations, on seeded (so repeatable) data.
/// </summary>
public class DropoutTests
{
    private const int Large = 1 << 18;

    public static TheoryData<int, float> Cases()
    {
        var data = new TheoryData<int, float>();
        foreach (int length in new[] { 1, 7, 784, 17 * 784 })
            foreach (float p in new[] { 0f, 0.25f, 0.5f })
                data.Add(length, p);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardAndBackwardMatchFloat64ReferenceForEverySplit(int length, float p)
    {
        var dev = TestDevice.Current;
        float[] x = Rand.Uniform(1, length), dy = Rand.Uniform(2, length);
        using var tx = Tensor.FromArray(dev, x, length);
        using var ty = Tensor.Allocate(dev, length);
        using var tmask = Tensor.Allocate(dev, length);
        using var tdy = Tensor.FromArray(dev, dy, length);
        using var tdx = Tensor.Allocate(dev, length);
        double[] mask = DropoutReference.Mask(length, p, seed: 1234, step: 5);

        foreach (var s in Splits(length))
        {
            tmask.CopyFrom(Rand.Uniform(97, length));
            ty.CopyFrom(Rand.Uniform(98, length));
            tdx.CopyFrom(Rand.Uniform(99, length));
            Forward(s, tx, ty, tmask, p, 1234, 5);
            Backward(s, tmask, tdy, tdx);
            Compare.Close(mask, tmask.ToArray(), rtol: 1e-7, atol: 0, what: "mask");
            Compare.Close(DropoutReference.Forward(x.Select(v => (double)v).ToArray(), mask), ty.ToArray(), what: "y");
            Compare.Close(DropoutReference.Backward(dy, mask), tdx.ToArray(), what: "dX");
        }
    }

    [Theory]
    [InlineData(0.1f)]
    [InlineData(0.5f)]
    [InlineData(0.8f)]
    public void DroppedFractionIsWithinStatisticalBoundOfP(float p)
    {
        float[] mask = RunMask(Large, p, seed: 42, step: 0);
        double dropped = mask.Count(m => m == 0f) / (double)Large;
        Assert.InRange(dropped, p - FiveSigma(p), p + FiveSigma(p));
        // Every kept element carries exactly the inverted-dropout scale.
        Assert.All(mask.Where(m => m != 0f), m => Assert.Equal(1f / (1f - p), m));
        // Neighbouring elements are dropped independently.
        int bothDropped = 0;
        for (int i = 0; i + 1 < Large; i++) if (mask[i] == 0f && mask[i + 1] == 0f) bothDropped++;
        double pairs = bothDropped / (double)(Large - 1);
        Assert.InRange(pairs, p * p - FiveSigma(p * p), p * p + FiveSigma(p * p));
    }

    [Fact]
    public void SameSeedAndStepGiveTheSameMaskWhateverTheSplit()
    {
        const int length = 5000;
        float[] first = RunMask(length, 0.5f, seed: 7, step: 3);
        foreach (var s in Splits(length))
            Assert.Equal(first, RunMask(length, 0.5f, seed: 7, step: 3, s));
    }

    [Theory]
    [InlineData(7, 3, 7, 4)]
    [InlineData(7, 3, 8, 3)]
    [InlineData(0, 0, 0, 1)]
    [InlineData(0, 1, 1, 0)]
    public void AnotherStepOrSeedGivesAnIndependentMask(int seedA, int stepA, int seedB, int stepB)
    {
        const float p = 0.5f;
        float[] a = RunMask(Large, p, seedA, stepA), b = RunMask(Large, p, seedB, stepB);
        int both = 0;
        for (int i = 0; i < Large; i++) if (a[i] == 0f && b[i] == 0f) both++;
        double fraction = both / (double)Large;
        Assert.InRange(fraction, p * p - FiveSigma(p * p), p * p + FiveSigma(p * p));
    }

    [Fact]
    public void UniformNumbersFillTheirBinsEvenly()
    {
        const int bins = 64, samples = 1 << 16;
        foreach (var (seed, step) in new[] { (0, 0), (1, 0), (0, 1), (12345, 678) })
        {
            var counts = new int[bins];
            for (int i = 0; i < samples; i++)
            {
                float u = Dropout.Uniform(seed, step, i);
                Assert.InRange(u, 0f, 0.99999994f);
                counts[(int)(u * bins)]++;
            }
            double expected = samples / (double)bins;
            double chiSquare = counts.Sum(c => (c - expected) * (c - expected) / expected);
            // 63 degrees of freedom: mean 63, standard deviation 11.2; 130 is beyond a one-in-a-million tail.
            Assert.InRange(chiSquare, 0, 130);
        }
    }

    [Fact]
    public void BackwardMatchesCentralDifferencesWithTheMaskFixed()
    {
        var dev = TestDevice.Current;
        const int length = 3 * 7;
        const float p = 0.3f;
        float[] x = Rand.Uniform(3, length), dy = Rand.Uniform(4, length);
        using var tx = Tensor.FromArray(dev, x, length);
        using var ty = Tensor.Allocate(dev, length);
        using var tmask = Tensor.Allocate(dev, length);
        using var tdy = Tensor.FromArray(dev, dy, length);
        using var tdx = Tensor.Allocate(dev, length);
        Forward(dev.Split(length), tx, ty, tmask, p, 11, 2);
        Backward(dev.Split(length), tmask, tdy, tdx);

        double[] mask = DropoutReference.Mask(length, p, 11, 2);
        Assert.Contains(0.0, mask);
        Assert.Contains(mask, m => m != 0.0);
        // L(x) = Σ dy·y(x) with the reference forward, differentiated one coordinate at a time.
        const double h = 1e-3;
        var numeric = new double[length];
        for (int i = 0; i < length; i++)
        {
            double[] plus = x.Select(v => (double)v).ToArray(), minus = (double[])plus.Clone();
            plus[i] += h;
            minus[i] -= h;
            double lPlus = DropoutReference.Forward(plus, mask).Select((v, k) => dy[k] * v).Sum();
            double lMinus = DropoutReference.Forward(minus, mask).Select((v, k) => dy[k] * v).Sum();
            numeric[i] = (lPlus - lMinus) / (2 * h);
        }
        Compare.Close(numeric, tdx.ToArray(), rtol: 1e-5, atol: 1e-6, what: "dX vs central differences");
    }

    [Fact]
    public void InPlaceLaunchesGiveTheSameResults()
    {
        var dev = TestDevice.Current;
        const int length = 1000;
        float[] x = Rand.Uniform(5, length), dy = Rand.Uniform(6, length);
        using var tx = Tensor.FromArray(dev, x, length);
        using var ty = Tensor.Allocate(dev, length);
        using var tmask = Tensor.Allocate(dev, length);
        using var tdy = Tensor.FromArray(dev, dy, length);
        using var tdx = Tensor.Allocate(dev, length);
        var s = dev.Split(length);
        Forward(s, tx, ty, tmask, 0.5f, 1, 1);
        Backward(s, tmask, tdy, tdx);
        float[] y = ty.ToArray(), dx = tdx.ToArray();

        Forward(s, tx, tx, tmask, 0.5f, 1, 1);
        Backward(s, tmask, tdy, tdy);
        Assert.Equal(y, tx.ToArray());
        Assert.Equal(dx, tdy.ToArray());
    }

    [Fact]
    public void ZeroProbabilityKeepsEveryElementUnchanged()
    {
        var dev = TestDevice.Current;
        const int length = 4096;
        float[] x = Rand.Uniform(9, length);
        using var tx = Tensor.FromArray(dev, x, length);
        using var ty = Tensor.Allocate(dev, length);
        using var tmask = Tensor.Allocate(dev, length);
        Forward(dev.Split(length), tx, ty, tmask, 0f, 3, 3);
        Assert.Equal(x, ty.ToArray());
        Assert.All(tmask.ToArray(), m => Assert.Equal(1f, m));
    }

    /// <summary>Five standard deviations of a fraction of <see cref="Large"/> trials with probability q.</summary>
    private static double FiveSigma(double q) => 5 * Math.Sqrt(q * (1 - q) / Large);

    private static float[] RunMask(int length, float p, int seed, int step, WorkSplit? split = null)
    {
        var dev = TestDevice.Current;
        using var tx = Tensor.FromArray(dev, Enumerable.Repeat(1f, length).ToArray(), length);
        using var tmask = Tensor.Allocate(dev, length);
        Forward(split ?? dev.Split(length), tx, tx, tmask, p, seed, step);
        return tmask.ToArray();
    }

    private static WorkSplit[] Splits(int count) =>
        [TestDevice.Current.Split(count), WorkSplit.Chunked(count, 3), WorkSplit.Strided(count, 5)];

    private static void Forward(WorkSplit s, Tensor x, Tensor y, Tensor mask, float p, int seed, int step) =>
        TestDevice.Current.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, int, int>(Dropout.Forward)(
            s.Threads, s, x.View, y.View, mask.View, p, seed, step);

    private static void Backward(WorkSplit s, Tensor mask, Tensor dy, Tensor dx) =>
        TestDevice.Current.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>>(Dropout.Backward)(
            s.Threads, s, mask.View, dy.View, dx.View);
}
