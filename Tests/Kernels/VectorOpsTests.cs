using ILGPU;
using ILGPU.Runtime;

namespace IlgpuBlindSpots.Tests.Kernels;

/// <summary>
/// Row-wise vector operations against <see cref="VectorOpsReference"/>, with every row active (an
/// empty active view) and with a mask whose inactive rows must keep their outputs untouched.
/// </summary>
public class VectorOpsTests
{
    public static TheoryData<int, int, bool> Shapes()
    {
        var data = new TheoryData<int, int, bool>();
        foreach (int rows in new[] { 1, 3, 17 })
            foreach (int n in new[] { 1, 7, 784 })
                foreach (bool masked in new[] { false, true })
                    data.Add(rows, n, masked);
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ScaledAddMatchesFloat64Reference(int rows, int n, bool masked)
    {
        var dev = TestDevice.Current;
        float[] x = Rand.Uniform(1, rows * n), y = Rand.Uniform(2, rows * n);
        double[] alpha = Rand.Uniform(3, rows, -2f, 2f).Select(v => v / 3.0).ToArray();
        int[]? active = Active(rows, masked);
        using var tx = Tensor.FromArray(dev, x, rows, n);
        using var ty = Tensor.Allocate(dev, rows, n);
        using var talpha = dev.Accelerator.Allocate1D(alpha);
        using var tactive = Allocate(active);

        foreach (var s in Splits(rows))
        {
            ty.CopyFrom(y);
            dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<double>, float, ArrayView<int>, int>(VectorOps.ScaledAdd)(
                s.Threads, s, tx.View, ty.View, talpha.View, -0.5f, View(tactive), n);
            Compare.Close(VectorOpsReference.ScaledAdd(x, y, r => -0.5 * alpha[r], active, rows, n), ty.ToArray(), what: "ScaledAdd");

            ty.CopyFrom(y);
            dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, float, ArrayView<int>, int>(VectorOps.ScaledAddScalar)(
                s.Threads, s, tx.View, ty.View, 0.75f, View(tactive), n);
            Compare.Close(VectorOpsReference.ScaledAdd(x, y, _ => 0.75, active, rows, n), ty.ToArray(), what: "ScaledAddScalar");
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ScaleMatchesFloat64Reference(int rows, int n, bool masked)
    {
        var dev = TestDevice.Current;
        float[] x = Rand.Uniform(4, rows * n);
        double[] alpha = Rand.Uniform(6, rows, -2f, 2f).Select(v => (double)v).ToArray();
        int[]? active = Active(rows, masked);
        using var tx = Tensor.Allocate(dev, rows, n);
        using var talpha = dev.Accelerator.Allocate1D(alpha);
        using var tactive = Allocate(active);

        foreach (var s in Splits(rows))
        {
            tx.CopyFrom(x);
            dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<double>, float, ArrayView<int>, int>(VectorOps.Scale)(
                s.Threads, s, tx.View, talpha.View, 2f, View(tactive), n);
            Compare.Close(VectorOpsReference.Map(x, (r, _, v) => 2 * alpha[r] * v, active, rows, n), tx.ToArray(), what: "Scale");
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void DotAndNormMatchFloat64Reference(int rows, int n, bool masked)
    {
        var dev = TestDevice.Current;
        float[] x = Rand.Uniform(7, rows * n, -3f, 3f), y = Rand.Uniform(8, rows * n);
        int[]? active = Active(rows, masked);
        // Inactive rows must keep what the result held.
        double[] sentinel = Enumerable.Repeat(-7.0, rows).ToArray();
        using var tx = Tensor.FromArray(dev, x, rows, n);
        using var ty = Tensor.FromArray(dev, y, rows, n);
        using var result = dev.Accelerator.Allocate1D<double>(rows);
        using var tactive = Allocate(active);

        var cases = new (string Name, Action<WorkSplit> Run, Func<int, double> Expected)[]
        {
            ("Dot", s => dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<double>, ArrayView<int>, int>(VectorOps.Dot)(
                s.Threads, s, tx.View, ty.View, result.View, View(tactive), n),
                r => VectorOpsReference.Dot(VectorOpsReference.Row(x, r, n), VectorOpsReference.Row(y, r, n))),
            ("NormL2", s => dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<double>, ArrayView<int>, int>(VectorOps.NormL2)(
                s.Threads, s, tx.View, result.View, View(tactive), n),
                r => VectorOpsReference.NormL2(VectorOpsReference.Row(x, r, n))),
        };
        foreach (var (name, run, expected) in cases)
            foreach (var s in Splits(rows))
            {
                result.CopyFromCPU(sentinel);
                run(s);
                CloseDouble(VectorOpsReference.PerRow(expected, sentinel, active, rows), result.GetAsArray1D(), 1e-12, name);
            }
    }

    [Fact]
    public void DotAccumulatesInFloat64()
    {
        var dev = TestDevice.Current;
        // 2²⁴ + 1 + 1 + … − 2²⁴: in float32 every 1 is lost against 2²⁴.
        const int n = 101;
        var x = new float[n];
        Array.Fill(x, 1f);
        x[0] = 16777216f;
        x[n - 1] = -16777216f;
        var ones = Enumerable.Repeat(1f, n).ToArray();
        using var tx = Tensor.FromArray(dev, x, 1, n);
        using var ty = Tensor.FromArray(dev, ones, 1, n);
        using var result = dev.Accelerator.Allocate1D<double>(1);
        var s = dev.Split(1);
        dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<double>, ArrayView<int>, int>(VectorOps.Dot)(
            s.Threads, s, tx.View, ty.View, result.View, ArrayView<int>.Empty, n);
        Assert.Equal(n - 2, result.GetAsArray1D()[0]);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ClampMatchesFloat64ReferenceExactly(int rows, int n, bool masked)
    {
        var dev = TestDevice.Current;
        float[] x = Rand.Uniform(9, rows * n, -2f, 2f);
        int[]? active = Active(rows, masked);
        using var tx = Tensor.Allocate(dev, rows, n);
        using var tactive = Allocate(active);

        foreach (var s in Splits(rows))
        {
            tx.CopyFrom(x);
            dev.KernelCache.Load<WorkSplit, ArrayView<float>, float, float, ArrayView<int>, int>(VectorOps.Clamp)(
                s.Threads, s, tx.View, -0.5f, 0.25f, View(tactive), n);
            Compare.Close(VectorOpsReference.Map(x, (_, _, v) => VectorOpsReference.Clamp(v, -0.5, 0.25), active, rows, n),
                tx.ToArray(), rtol: 0, atol: 0, what: "Clamp");
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ArgMaxMatchesReferenceIncludingTies(int rows, int n, bool masked)
    {
        var dev = TestDevice.Current;
        // Small integers: most rows hold their maximum more than once.
        float[] x = Rand.Uniform(12, rows * n, 0f, 4f).Select(MathF.Floor).ToArray();
        int[]? active = Active(rows, masked);
        using var tx = Tensor.FromArray(dev, x, rows, n);
        using var result = dev.Accelerator.Allocate1D<int>(rows);
        using var tactive = Allocate(active);
        foreach (var s in Splits(rows))
        {
            result.CopyFromCPU(Enumerable.Repeat(-1, rows).ToArray());
            dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<int>, int>(VectorOps.ArgMax)(
                s.Threads, s, tx.View, result.View, View(tactive), n);
            var expected = Enumerable.Range(0, rows)
                .Select(r => VectorOpsReference.IsActive(active, r) ? VectorOpsReference.ArgMax(VectorOpsReference.Row(x, r, n)) : -1);
            Assert.Equal(expected, result.GetAsArray1D());
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(784)]
    [InlineData(100_003)]
    public void TwoStageSumsMatchFloat64ReferenceForEverySplit(int length)
    {
        var dev = TestDevice.Current;
        float[] x = Rand.Uniform(length, length);
        double[] xd = x.Select(v => (double)v).ToArray();
        using var tx = Tensor.FromArray(dev, x, length);
        using var result = dev.Accelerator.Allocate1D<double>(1);
        foreach (var s in new[] { dev.Split(length), WorkSplit.Chunked(length, 3), WorkSplit.Strided(length, 5), WorkSplit.Strided(length, 1024) })
        {
            using var partials = dev.Accelerator.Allocate1D<double>(s.Threads);
            var one = dev.Split(1);
            var finish = dev.KernelCache.Load<WorkSplit, ArrayView<double>, ArrayView<double>, int, double, int>(VectorOps.FinishSum);

            result.CopyFromCPU(new[] { double.NaN });
            dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<double>>(VectorOps.SumPartials)(s.Threads, s, tx.View, partials.View);
            finish(one.Threads, one, partials.View, result.View, s.Threads, 0.5, 0);
            double half = 0.5 * xd.Sum();
            Assert.Equal(half, result.GetAsArray1D()[0], 1e-12 * xd.Sum(Math.Abs));

            // accumulate = 1 adds a second total, scaled by 2, onto the half sum already there.
            finish(one.Threads, one, partials.View, result.View, s.Threads, 2.0, 1);
            double expected = 2.5 * xd.Sum();
            Assert.Equal(expected, result.GetAsArray1D()[0], 1e-12 * 2.5 * xd.Sum(Math.Abs));
        }
    }

    /// <summary>Masked: even rows active, odd rows stopped; a single row is stopped.</summary>
    private static int[]? Active(int rows, bool masked) =>
        masked ? Enumerable.Range(0, rows).Select(r => rows > 1 && r % 2 == 0 ? 1 : 0).ToArray() : null;

    private static MemoryBuffer1D<int, Stride1D.Dense>? Allocate(int[]? active) =>
        active is null ? null : TestDevice.Current.Accelerator.Allocate1D(active);

    private static ArrayView<int> View(MemoryBuffer1D<int, Stride1D.Dense>? active) =>
        active is null ? ArrayView<int>.Empty : active.View;

    private static void CloseDouble(double[] expected, double[] actual, double rtol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (!(Math.Abs(actual[i] - expected[i]) <= rtol * Math.Abs(expected[i]) + 1e-300))
                Assert.Fail($"{what} row {i}: expected {expected[i]:R}, got {actual[i]:R}");
    }

    private static WorkSplit[] Splits(int count) =>
        [TestDevice.Current.Split(count), WorkSplit.Chunked(count, 3), WorkSplit.Strided(count, 5)];
}
