using ILGPU;
using ILGPU.Runtime;

namespace IlgpuBlindSpots.Tests.Attacks;

/// <summary>
/// The attack kernels (<see cref="AttackObjective"/>'s untargeted loss, <see cref="AttackSteps"/>)
/// against <see cref="AttackReference"/>, under the CPU split and under chunked and strided splits.
/// </summary>
public class AttackKernelTests
{
    [Theory]
    [InlineData(5f)]
    [InlineData(1000f)]
    public void AvoidLabelLossMatchesFloat64Reference(float scale)
    {
        const int rows = 9, classes = 4;
        var dev = TestDevice.Current;
        float[] z = Rand.Uniform(31, rows * classes, -scale, scale);
        // Row 0: the label far ahead (loss ≈ its lead); row 1: far behind (loss ≈ e^−lead, still resolved).
        z[0] = scale; z[1] = z[2] = z[3] = -scale;
        z[4] = -scale; z[5] = z[6] = z[7] = scale;
        int[] labels = Enumerable.Range(0, rows).Select(r => r * 7 % classes).ToArray();
        labels[0] = labels[1] = 0;
        using var tz = Tensor.FromArray(dev, z, rows, classes);
        using var tl = dev.Accelerator.Allocate1D(labels);
        using var loss = Tensor.Allocate(dev, rows);
        using var grad = Tensor.Allocate(dev, rows, classes);
        var kernel = dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int>(AttackObjective.AvoidLabelLossAndGradient);
        foreach (var s in Splits(rows))
        {
            kernel(s.Threads, s, tz.View, tl.View, loss.View, grad.View, classes);
            var expectedLoss = new double[rows];
            var expectedGrad = new double[rows * classes];
            for (int r = 0; r < rows; r++)
            {
                var zr = z.Skip(r * classes).Take(classes).Select(v => (double)v).ToArray();
                expectedLoss[r] = AttackReference.AvoidLabelLoss(zr, labels[r]);
                AttackReference.AvoidLabelGradient(zr, labels[r]).CopyTo(expectedGrad, r * classes);
            }
            float[] l = loss.ToArray(), g = grad.ToArray();
            // The logits are float32 values: the loss is as exact as float32 can hold it, relative even when tiny.
            Compare.Close(expectedLoss, l, rtol: 1e-5, atol: 0, what: "loss");
            Compare.Close(expectedGrad, g, rtol: 1e-5, atol: 1e-7, what: "dLoss/dz");
            for (int r = 0; r < rows; r++)
                Assert.True(Math.Abs(g.Skip(r * classes).Take(classes).Sum()) <= 1e-6, $"row {r}: the gradient of a softmax loss sums to 0");
        }
    }

    [Fact]
    public void AvoidLabelLossOfALabelOutsideTheClassesIsNaN()
    {
        var dev = TestDevice.Current;
        using var tz = Tensor.FromArray(dev, [0.5f, 1f, -1f], 1, 3);
        using var tl = dev.Accelerator.Allocate1D(new[] { 3 });
        using var loss = Tensor.Allocate(dev, 1);
        using var grad = Tensor.Allocate(dev, 1, 3);
        var s = dev.Split(1);
        dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int>(AttackObjective.AvoidLabelLossAndGradient)(
            s.Threads, s, tz.View, tl.View, loss.View, grad.View, 3);
        Assert.True(float.IsNaN(loss.ToArray()[0]));
    }

    [Fact]
    public void SignStepMatchesFloat64ReferenceAndStaysInTheBallAndTheBox()
    {
        const int rows = 5, n = 50;
        const float step = 0.07f, epsilon = 0.1f;
        var dev = TestDevice.Current;
        float[] x = PixelLike(41, rows * n);
        float[] start = x.Select((v, i) => Math.Clamp(v + 0.05f * Rand.Uniform(42, rows * n)[i], 0f, 1f)).ToArray();
        float[] g = Rand.Uniform(43, rows * n);
        for (int i = 0; i < g.Length; i += 7) g[i] = 0f;
        using var tx = Tensor.FromArray(dev, x, rows, n);
        using var tg = Tensor.FromArray(dev, g, rows, n);
        using var ta = Tensor.Allocate(dev, rows, n);
        var kernel = dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float>(AttackSteps.SignStep);
        foreach (var s in Splits(rows * n))
        {
            ta.CopyFrom(start);
            kernel(s.Threads, s, ta.View, tg.View, tx.View, step, epsilon);
            float[] a = ta.ToArray();
            var expected = new double[a.Length];
            for (int i = 0; i < a.Length; i++)
                expected[i] = Math.Clamp(start[i] - step * Math.Sign(g[i]), Math.Max(0, x[i] - (double)epsilon), Math.Min(1, x[i] + (double)epsilon));
            Compare.Close(expected, a, rtol: 0, atol: 1e-7, what: "x′");
            for (int i = 0; i < a.Length; i++)
            {
                Assert.InRange(a[i], 0f, 1f);
                Assert.True(Math.Abs((double)a[i] - x[i]) <= epsilon + Ulp(x[i]), $"element {i}: |x′ − x| = {Math.Abs((double)a[i] - x[i])} > ε");
            }
        }
    }

    [Theory]
    [InlineData(0.5f)]
    [InlineData(2f)]
    [InlineData(100f)]
    public void ProjectL2MatchesTheExactProjection(float epsilon)
    {
        const int rows = 4, n = 40;
        var dev = TestDevice.Current;
        float[] x = PixelLike(51, rows * n);
        float[] v = x.Zip(Rand.Uniform(52, rows * n, -0.8f, 0.8f), (a, b) => a + b).ToArray();
        using var tx = Tensor.FromArray(dev, x, rows, n);
        using var ta = Tensor.Allocate(dev, rows, n);
        var kernel = dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, float, int>(AttackSteps.ProjectL2);
        foreach (var s in Splits(rows))
        {
            ta.CopyFrom(v);
            kernel(s.Threads, s, ta.View, tx.View, epsilon, n);
            float[] a = ta.ToArray();
            for (int r = 0; r < rows; r++)
            {
                var xr = Row(x, r, n);
                var expected = AttackReference.ProjectL2(Row(v, r, n), xr, epsilon);
                var ar = a.Skip(r * n).Take(n).ToArray();
                Compare.Close(expected, ar, rtol: 0, atol: 2e-6, what: $"row {r}");
                AssertInBallAndBox(ar, xr, epsilon);
            }
        }
    }

    [Fact]
    public void NormalizedStepIsAProjectedStepAlongTheNormalisedGradient()
    {
        const int rows = 3, n = 30;
        const float step = 0.9f, epsilon = 1.2f;
        var dev = TestDevice.Current;
        float[] x = PixelLike(61, rows * n);
        float[] start = x.Select((v, i) => Math.Clamp(v + 0.1f * Rand.Uniform(62, rows * n)[i], 0f, 1f)).ToArray();
        float[] g = Rand.Uniform(63, rows * n);
        Array.Clear(g, n, n); // row 1 has a zero gradient: no step, only the projection
        using var tx = Tensor.FromArray(dev, x, rows, n);
        using var tg = Tensor.FromArray(dev, g, rows, n);
        using var ta = Tensor.FromArray(dev, start, rows, n);
        var s = dev.Split(rows);
        dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, int>(AttackSteps.NormalizedStep)(
            s.Threads, s, ta.View, tg.View, tx.View, step, epsilon, n);
        float[] a = ta.ToArray();
        for (int r = 0; r < rows; r++)
        {
            double[] gr = Row(g, r, n), sr = Row(start, r, n);
            double norm = Math.Sqrt(gr.Sum(t => t * t));
            var moved = sr.Select((t, k) => norm > 0 ? t - step * gr[k] / norm : t).ToArray();
            var expected = AttackReference.ProjectL2(moved, Row(x, r, n), epsilon);
            Compare.Close(expected, a.Skip(r * n).Take(n).ToArray(), rtol: 0, atol: 2e-6, what: $"row {r}");
        }
    }

    /// <summary>‖x′ − x‖₂ ≤ ε up to the float32 rounding of x′ (at most one ulp of 1 per element), and x′ in [0, 1] exactly.</summary>
    internal static void AssertInBallAndBox(float[] adversarial, double[] x, double epsilon)
    {
        double sum = 0, slack = 0;
        for (int k = 0; k < x.Length; k++)
        {
            Assert.InRange(adversarial[k], 0f, 1f);
            sum += (adversarial[k] - x[k]) * (adversarial[k] - x[k]);
            slack += Ulp((float)x[k]) * Ulp((float)x[k]);
        }
        Assert.True(Math.Sqrt(sum) <= epsilon + Math.Sqrt(slack), $"‖x′ − x‖₂ = {Math.Sqrt(sum)} > ε = {epsilon}");
    }

    /// <summary>One float32 ulp of max(|x|, 1): a bound on the rounding that x′ = x + r adds for values in [0, 1].</summary>
    internal static double Ulp(float x) => MathF.BitIncrement(Math.Max(Math.Abs(x), 1f)) - Math.Max(Math.Abs(x), 1f);

    /// <summary>Values in [0, 1] with runs of exact 0 and 1, as image pixels have.</summary>
    internal static float[] PixelLike(int seed, int count) =>
        Rand.Uniform(seed, count, -0.5f, 1.5f).Select(v => Math.Clamp(v, 0f, 1f)).ToArray();

    private static double[] Row(float[] a, int r, int n) => a.Skip(r * n).Take(n).Select(v => (double)v).ToArray();

    private static WorkSplit[] Splits(int count) =>
        [TestDevice.Current.Split(count), WorkSplit.Chunked(count, 3), WorkSplit.Strided(count, 5)];
}
