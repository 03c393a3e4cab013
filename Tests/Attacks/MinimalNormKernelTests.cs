using ILGPU;
using ILGPU.Runtime;

namespace IlgpuBlindSpots.Tests.Attacks;

/// <summary>
/// The kernels of the minimal-norm attacks (<see cref="MarginLoss"/>, <see cref="BestAdversarial"/>,
/// <see cref="DecoupledDirectionNorm"/>, <see cref="FastMinimumNorm"/>, <see cref="DeepFool"/>, <see cref="CarliniWagner"/>,
/// <see cref="BoundaryBisection"/>) against float64 references written from the papers' formulas,
/// under the device's split and under chunked and strided splits.
/// </summary>
public class MinimalNormKernelTests
{
    private static ComputeDevice Dev => TestDevice.Current;

    [Theory]
    [InlineData(0f)]
    [InlineData(0.5f)]
    [InlineData(float.PositiveInfinity)]
    public void MarginLossMatchesItsDefinition(float kappa)
    {
        const int rows = 8, classes = 5;
        float[] z = Rand.Uniform(81, rows * classes, -3f, 3f);
        int[] labels = [0, 1, 2, 3, 4, 0, 1, 2];
        int[] targets = [1, -1, 0, -1, 2, 4, -1, 3];
        // Row 0: the target already leads by 0.2, so κ = 0.5 is not yet met but κ = 0 is.
        z[0] = 1f; z[1] = 1.2f; z[2] = z[3] = z[4] = -1f;
        using var tz = Tensor.FromArray(Dev, z, rows, classes);
        using var tl = Dev.Accelerator.Allocate1D(labels);
        using var tt = Dev.Accelerator.Allocate1D(targets);
        using var loss = Tensor.Allocate(Dev, rows);
        using var grad = Tensor.Allocate(Dev, rows, classes);
        var kernel = Dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, float>(
            MarginLoss.LossAndGradient);
        foreach (var s in Splits(rows))
        {
            kernel(s.Threads, s, tz.View, tl.View, tt.View, loss.View, grad.View, classes, kappa);
            float[] l = loss.ToArray(), g = grad.ToArray();
            for (int r = 0; r < rows; r++)
            {
                var zr = z.Skip(r * classes).Take(classes).Select(v => (double)v).ToArray();
                var (expected, expectedGradient) = MarginReference(zr, labels[r], targets[r], kappa);
                Assert.Equal(expected, l[r], 5);
                Compare.Close(expectedGradient, g.Skip(r * classes).Take(classes).ToArray(), rtol: 0, atol: 0, what: $"row {r} dLoss/dz");
            }
            Assert.Equal(kappa == 0f ? 0.0 : kappa == 0.5f ? -0.2 : -0.2, l[0], 5);
        }
    }

    [Fact]
    public void KeepRecordsSuccessNormAndTheSmallestSuccessfulIterate()
    {
        const int rows = 6, classes = 3, n = 7;
        float[] x = AttackKernelTests.PixelLike(91, rows * n);
        float[] a = AttackKernelTests.PixelLike(92, rows * n);
        // Logits: rows 0, 2, 4 reach their goal (target, or not the label), rows 1, 3, 5 do not.
        float[] z = [0, 5, 1, /**/ 5, 0, 1, /**/ 0, 1, 5, /**/ 5, 1, 0, /**/ 1, 5, 0, /**/ 0, 5, 1];
        int[] labels = [0, 0, 0, 0, 0, 1];
        int[] targets = [1, 1, -1, -1, 1, -1];
        float[] bestNorm = [float.PositiveInfinity, float.PositiveInfinity, 1e-6f, 100f, 100f, 100f];
        float[] best = Rand.Uniform(93, rows * n, 0f, 1f);
        using var tz = Tensor.FromArray(Dev, z, rows, classes);
        using var tl = Dev.Accelerator.Allocate1D(labels);
        using var tt = Dev.Accelerator.Allocate1D(targets);
        using var ta = Tensor.FromArray(Dev, a, rows, n);
        using var tx = Tensor.FromArray(Dev, x, rows, n);
        using var sq = Tensor.Allocate(Dev, rows);
        using var succeeded = Dev.Accelerator.Allocate1D<int>(rows);
        using var ever = Dev.Accelerator.Allocate1D(new[] { 0, 1, 0, 0, 0, 1 });
        using var tbn = Tensor.FromArray(Dev, bestNorm, rows);
        using var tb = Tensor.FromArray(Dev, best, rows, n);
        var s = Dev.Split(rows);
        Dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int, int>(BestAdversarial.Keep)(
            s.Threads, s, tz.View, tl.View, tt.View, ta.View, tx.View, sq.View, succeeded.View, ever.View, tbn.View, tb.View, classes, n, RowNorm.L2);
        int[] success = succeeded.GetAsArray1D(), everAfter = ever.GetAsArray1D();
        float[] norms = sq.ToArray(), newBestNorm = tbn.ToArray(), newBest = tb.ToArray();
        Assert.Equal([1, 0, 1, 0, 1, 0], success);
        Assert.Equal([1, 1, 1, 0, 1, 1], everAfter);
        for (int r = 0; r < rows; r++)
        {
            double expected = Enumerable.Range(0, n).Sum(k => Math.Pow((double)a[r * n + k] - x[r * n + k], 2));
            Assert.Equal(expected, norms[r], 5);
            // Rows 0 and 4 improve; row 2 succeeded but its best is smaller; 1, 3, 5 failed.
            bool replaced = r is 0 or 4;
            Assert.Equal(replaced ? norms[r] : bestNorm[r], newBestNorm[r]);
            Assert.Equal((replaced ? a : best).Skip(r * n).Take(n), newBest.Skip(r * n).Take(n));
        }
    }

    [Fact]
    public void DdnStepMatchesAlgorithmOne()
    {
        const int rows = 4, n = 30;
        const float alpha = 0.3f, gamma = 0.05f;
        float[] x = AttackKernelTests.PixelLike(101, rows * n);
        float[] a = x.Zip(Rand.Uniform(102, rows * n, -0.2f, 0.2f), (u, v) => Math.Clamp(u + v, 0f, 1f)).ToArray();
        float[] g = Rand.Uniform(103, rows * n);
        Array.Clear(g, 2 * n, n); // row 2: a zero gradient, only the norm adapts
        int[] succeeded = [1, 0, 1, 0];
        float[] norm = [0.5f, 0.5f, 0.8f, 1000f]; // row 3: capped at the farthest point of the box
        using var tx = Tensor.FromArray(Dev, x, rows, n);
        using var tg = Tensor.FromArray(Dev, g, rows, n);
        using var ts = Dev.Accelerator.Allocate1D(succeeded);
        var kernel = Dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, float, float, int>(
            DecoupledDirectionNorm.Step);
        foreach (var s in Splits(rows))
        {
            using var ta = Tensor.FromArray(Dev, a, rows, n);
            using var tn = Tensor.FromArray(Dev, norm, rows);
            kernel(s.Threads, s, ta.View, tx.View, tg.View, ts.View, tn.View, alpha, gamma, n);
            float[] result = ta.ToArray(), epsilon = tn.ToArray();
            for (int r = 0; r < rows; r++)
            {
                double[] xr = Row(x, r, n), ar = Row(a, r, n), gr = Row(g, r, n);
                double gn = Norm(gr), worst = Norm(xr.Select(v => Math.Max(v, 1 - v)).ToArray());
                double e = Math.Min(norm[r] * (succeeded[r] == 1 ? 1 - gamma : 1 + gamma), worst);
                var delta = ar.Select((v, k) => v - xr[k] - (gn > 0 ? alpha * gr[k] / gn : 0)).ToArray();
                double dn = Norm(delta);
                var expected = delta.Select((d, k) => Math.Clamp(xr[k] + e * d / dn, 0, 1)).ToArray();
                Assert.Equal(e, epsilon[r], 4);
                Compare.Close(expected, result.Skip(r * n).Take(n).ToArray(), rtol: 0, atol: 1e-6, what: $"row {r}");
            }
        }
    }

    [Fact]
    public void FmnStepMatchesAlgorithmOne()
    {
        float[] x = AttackKernelTests.PixelLike(111, FmnRowCount * FmnN);
        float[] a = x.Zip(Rand.Uniform(112, FmnRowCount * FmnN, -0.3f, 0.3f), (u, v) => Math.Clamp(u + v, 0f, 1f)).ToArray();
        // Row 2 never found: the linearised distance to the boundary.
        var rows = new FmnCase(x, a, Rand.Uniform(113, FmnRowCount * FmnN),
            BestSquared: [0.09f, 0.3f, float.PositiveInfinity, 0.2f], Epsilon: [0.5f, 0.4f, float.PositiveInfinity, float.PositiveInfinity]);
        CheckFmnStep(RowNorm.L2, rows, epsilonDigits: 4,
            (xr, ar, gr) => (Norm(ar.Select((v, k) => v - xr[k]).ToArray()), Norm(gr), Norm(xr.Select(v => Math.Max(v, 1 - v)).ToArray())),
            (xr, ar, gr, e) =>
            {
                double gn = Norm(gr);
                var moved = ar.Select((v, k) => v - xr[k] - FmnAlpha * gr[k] / gn).ToArray();
                double scale = Math.Min(1, e / Norm(moved));
                return moved.Select((m, k) => Math.Clamp(xr[k] + scale * m, 0, 1)).ToArray();
            });
    }

    /// <summary>
    /// DeepFool's step against its formula in float64: row 0 an ordinary step; row 1 holds values at
    /// 0 and 1 that its step would push out of the box (left out of the norm); row 2 already reached
    /// its goal and stays; row 3 has no free gradient and stays; row 4 ties with its rival (d = 0)
    /// and still moves by the floor.
    /// </summary>
    [Fact]
    public void DeepFoolStepReachesTheLinearisedBoundaryOfTheFreeValues()
    {
        const int rows = 5, n = 24;
        const float overshoot = 0.1f;
        float[] a = AttackKernelTests.PixelLike(121, rows * n);
        float[] g = Rand.Uniform(122, rows * n);
        for (int k = 0; k < 6; k++)
        {
            a[n + k] = 0f; g[n + k] = Math.Abs(g[n + k]) + 0.1f;          // at 0, pushed down: held
            a[n + 6 + k] = 1f; g[n + 6 + k] = -Math.Abs(g[n + 6 + k]) - 0.1f; // at 1, pushed up: held
        }
        a[n + 12] = 0f; g[n + 12] = -0.5f; // at 0 but pushed up: free
        for (int k = 13; k < n; k++) a[n + k] = 0.5f; // mid-box, so that no free value of row 1 is clipped
        for (int k = 0; k < n; k++)
        {
            a[3 * n + k] = k % 2 == 0 ? 0f : 1f;
            g[3 * n + k] = k % 2 == 0 ? 0.3f : -0.3f;
        }
        float[] d = [0.7f, 1.3f, 0.4f, 0.9f, 0f];
        int[] succeeded = [0, 0, 1, 0, 0];
        using var tg = Tensor.FromArray(Dev, g, rows, n);
        using var td = Tensor.FromArray(Dev, d, rows);
        using var ts = Dev.Accelerator.Allocate1D(succeeded);
        var kernel = Dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, float, int>(DeepFool.Step);
        foreach (var s in Splits(rows))
        {
            using var ta = Tensor.FromArray(Dev, a, rows, n);
            kernel(s.Threads, s, ta.View, tg.View, td.View, ts.View, overshoot, n);
            float[] result = ta.ToArray();
            for (int r = 0; r < rows; r++)
            {
                double[] ar = Row(a, r, n), gr = Row(g, r, n);
                double free = ar.Select((v, k) => (v <= 0 && gr[k] > 0) || (v >= 1 && gr[k] < 0) ? 0 : gr[k] * gr[k]).Sum();
                double step = succeeded[r] == 1 || free == 0 ? 0 : (Math.Max(d[r], 0) + DeepFool.MarginFloor) * (1 + overshoot) / free;
                var expected = ar.Select((v, k) => Math.Clamp(v - step * gr[k], 0, 1)).ToArray();
                Compare.Close(expected, result.Skip(r * n).Take(n).ToArray(), rtol: 0, atol: 1e-6, what: $"row {r}");
            }
            // The free values carry the whole linearised step: Σ g·Δx = −(d + floor)(1 + η) on row 1.
            double moved = Enumerable.Range(0, n).Sum(k => (double)g[n + k] * (result[n + k] - a[n + k]));
            Assert.Equal(-(d[1] + DeepFool.MarginFloor) * (1 + overshoot), moved, 4);
            Assert.Equal(Row(a, 2, n), Row(result, 2, n));
            Assert.Equal(Row(a, 3, n), Row(result, 3, n));
            Assert.NotEqual(Row(a, 4, n), Row(result, 4, n));
        }
    }

    [Fact]
    public void KeepInLInfKeepsTheIterateOfSmallestLargestChange()
    {
        const int rows = 4, classes = 3, n = 9;
        float[] x = AttackKernelTests.PixelLike(94, rows * n);
        float[] a = AttackKernelTests.PixelLike(95, rows * n);
        // Rows 0, 1, 3 reach their goal; row 1's best so far is smaller, row 2 fails.
        float[] z = [0, 5, 1, /**/ 0, 5, 1, /**/ 5, 0, 1, /**/ 0, 1, 5];
        int[] labels = [0, 0, 0, 0], targets = [1, 1, 1, -1];
        float[] bestNorm = [float.PositiveInfinity, 1e-6f, 100f, 100f];
        float[] best = Rand.Uniform(96, rows * n, 0f, 1f);
        using var tz = Tensor.FromArray(Dev, z, rows, classes);
        using var tl = Dev.Accelerator.Allocate1D(labels);
        using var tt = Dev.Accelerator.Allocate1D(targets);
        using var ta = Tensor.FromArray(Dev, a, rows, n);
        using var tx = Tensor.FromArray(Dev, x, rows, n);
        using var sq = Tensor.Allocate(Dev, rows);
        using var succeeded = Dev.Accelerator.Allocate1D<int>(rows);
        using var ever = Dev.Accelerator.Allocate1D<int>(rows);
        using var tbn = Tensor.FromArray(Dev, bestNorm, rows);
        using var tb = Tensor.FromArray(Dev, best, rows, n);
        var s = WorkSplit.Strided(rows, 3);
        Dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int, int>(BestAdversarial.Keep)(
            s.Threads, s, tz.View, tl.View, tt.View, ta.View, tx.View, sq.View, succeeded.View, ever.View, tbn.View, tb.View, classes, n, RowNorm.LInf);
        float[] norms = sq.ToArray(), newBestNorm = tbn.ToArray(), newBest = tb.ToArray();
        Assert.Equal([1, 1, 0, 1], succeeded.GetAsArray1D());
        for (int r = 0; r < rows; r++)
        {
            double largest = Enumerable.Range(0, n).Max(k => Math.Abs((double)a[r * n + k] - x[r * n + k]));
            Assert.Equal(largest * largest, norms[r], 6);
            bool replaced = r is 0 or 3;
            Assert.Equal(replaced ? norms[r] : bestNorm[r], newBestNorm[r]);
            Assert.Equal((replaced ? a : best).Skip(r * n).Take(n), newBest.Skip(r * n).Take(n));
        }
    }

    [Fact]
    public void FmnLInfStepMatchesAlgorithmOneWithTheInfinityNorm()
    {
        float[] x = AttackKernelTests.PixelLike(114, FmnRowCount * FmnN);
        float[] a = x.Zip(Rand.Uniform(115, FmnRowCount * FmnN, -0.3f, 0.3f), (u, v) => Math.Clamp(u + v, 0f, 1f)).ToArray();
        float[] g = Rand.Uniform(116, FmnRowCount * FmnN);
        Array.Clear(g, 3 * FmnN, FmnN); // row 3: a zero gradient, only the radius and the projection act
        // Row 2 never found: the linearised L∞ distance |d|/‖g‖₁.
        var rows = new FmnCase(x, a, g,
            BestSquared: [0.01f, 0.3f, float.PositiveInfinity, 0.04f], Epsilon: [0.2f, 0.1f, float.PositiveInfinity, float.PositiveInfinity]);
        CheckFmnStep(RowNorm.LInf, rows, epsilonDigits: 5,
            (xr, ar, gr) => (ar.Select((v, k) => Math.Abs(v - xr[k])).Max(), gr.Sum(Math.Abs), xr.Max(v => Math.Max(v, 1 - v))),
            (xr, ar, gr, e) =>
            {
                double l2 = Norm(gr);
                return ar.Select((v, k) => Math.Clamp(xr[k] + Math.Clamp(v - xr[k] - (l2 > 0 ? FmnAlpha * gr[k] / l2 : 0), -e, e), 0, 1)).ToArray();
            });
    }

    private const int FmnRowCount = 4, FmnN = 25;
    private const float FmnAlpha = 0.2f, FmnGamma = 0.05f;

    /// <summary>
    /// An FMN step's inputs for its four kinds of row: row 0 adversarial (shrink below the best), row 1
    /// not but found before (grow), row 2 never found (the linearised distance to the boundary), row 3
    /// adversarial with ε = ∞.
    /// </summary>
    private sealed record FmnCase(float[] X, float[] A, float[] G, float[] BestSquared, float[] Epsilon)
    {
        public readonly float[] D = [-0.5f, 0.7f, 1.5f, -0.1f];
        public readonly int[] Succeeded = [1, 0, 0, 1], Ever = [1, 1, 0, 1];
    }

    /// <summary>
    /// Runs the FMN step in the norm <paramref name="norm"/> on <paramref name="c"/> under every split and checks
    /// each row against Algorithm 1: the radius from <paramref name="norms"/> (‖δ‖, the dual norm of g,
    /// the farthest corner), then the row <paramref name="move"/> gives for that radius.
    /// </summary>
    private static void CheckFmnStep(int norm, FmnCase c, int epsilonDigits, Func<double[], double[], double[], (double Delta, double Dual, double Worst)> norms,
        Func<double[], double[], double[], double, double[]> move)
    {
        const int rows = FmnRowCount, n = FmnN;
        using var tx = Tensor.FromArray(Dev, c.X, rows, n);
        using var tg = Tensor.FromArray(Dev, c.G, rows, n);
        using var td = Tensor.FromArray(Dev, c.D, rows);
        using var ts = Dev.Accelerator.Allocate1D(c.Succeeded);
        using var tv = Dev.Accelerator.Allocate1D(c.Ever);
        using var tb = Tensor.FromArray(Dev, c.BestSquared, rows);
        var kernel = Dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, float, float, int, int>(FastMinimumNorm.Step);
        foreach (var s in Splits(rows))
        {
            using var ta = Tensor.FromArray(Dev, c.A, rows, n);
            using var te = Tensor.FromArray(Dev, c.Epsilon, rows);
            kernel(s.Threads, s, ta.View, tx.View, tg.View, td.View, ts.View, tv.View, tb.View, te.View, FmnAlpha, FmnGamma, n, norm);
            float[] result = ta.ToArray(), eps = te.ToArray();
            for (int r = 0; r < rows; r++)
            {
                double[] xr = Row(c.X, r, n), ar = Row(c.A, r, n), gr = Row(c.G, r, n);
                var (delta, dual, worst) = norms(xr, ar, gr);
                double e = c.Succeeded[r] == 1 ? Math.Min(c.Epsilon[r] * (1 - FmnGamma), Math.Sqrt(c.BestSquared[r]))
                    : c.Ever[r] == 1 ? c.Epsilon[r] * (1 + FmnGamma)
                    : delta + Math.Abs(c.D[r]) / dual;
                e = Math.Min(e, worst);
                Assert.Equal(e, eps[r], epsilonDigits);
                Compare.Close(move(xr, ar, gr, e), result.Skip(r * n).Take(n).ToArray(), rtol: 0, atol: 1e-6, what: $"row {r}");
            }
        }
    }

    [Fact]
    public void TanhSpaceRoundTripsAndAdamStepMatchesItsFormulas()
    {
        const int rows = 3, n = 10;
        const float lr = 0.05f;
        const int step = 3;
        float[] x = AttackKernelTests.PixelLike(121, rows * n);
        using var tx = Tensor.FromArray(Dev, x, rows, n);
        using var tw = Tensor.Allocate(Dev, rows, n);
        using var ta = Tensor.Allocate(Dev, rows, n);
        var e = Dev.Split(rows * n);
        Dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>>(CarliniWagner.ToTanhSpace)(e.Threads, e, tx.View, tw.View, ta.View);
        float[] w = tw.ToArray(), start = ta.ToArray();
        for (int i = 0; i < x.Length; i++)
        {
            Assert.Equal(Math.Atanh((2.0 * x[i] - 1) * CarliniWagner.Shrink), w[i], 4);
            Assert.True(Math.Abs(start[i] - x[i]) <= 1e-6, $"element {i}: the start is {start[i]}, x is {x[i]}");
        }

        float[] m = Rand.Uniform(122, rows * n, -0.1f, 0.1f), v = Rand.Uniform(123, rows * n, 0f, 0.01f);
        float[] g = Rand.Uniform(124, rows * n), c = [0.5f, 2f, 10f];
        int[] active = [1, 0, 1];
        using var tm = Tensor.FromArray(Dev, m, rows, n);
        using var tv = Tensor.FromArray(Dev, v, rows, n);
        using var tg = Tensor.FromArray(Dev, g, rows, n);
        using var tc = Tensor.FromArray(Dev, c, rows);
        using var tact = Dev.Accelerator.Allocate1D(active);
        Dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<int>, float, int, int>(CarliniWagner.AdamStep)(
            e.Threads, e, tw.View, tm.View, tv.View, ta.View, tx.View, tg.View, tc.View, tact.View, lr, step, n);
        float[] w2 = tw.ToArray(), m2 = tm.ToArray(), v2 = tv.ToArray(), a2 = ta.ToArray();
        for (int i = 0; i < x.Length; i++)
        {
            int r = i / n;
            if (active[r] == 0)
            {
                Assert.Equal(w[i], w2[i]);
                Assert.Equal(start[i], a2[i]);
                continue;
            }
            double th = Math.Tanh(w[i]);
            double grad = (2.0 * (start[i] - x[i]) + c[r] * g[i]) * (1 - th * th) / 2;
            double mi = 0.9 * m[i] + 0.1 * grad, vi = 0.999 * v[i] + 0.001 * grad * grad;
            double wi = w[i] - lr * (mi / (1 - Math.Pow(0.9, step))) / (Math.Sqrt(vi / (1 - Math.Pow(0.999, step))) + 1e-8);
            Assert.Equal(mi, m2[i], 5);
            Assert.Equal(vi, v2[i], 6);
            Assert.Equal(wi, w2[i], 4);
            Assert.Equal((Math.Tanh(wi) + 1) / 2, a2[i], 5);
        }
    }

    [Fact]
    public void InterpolateWalksTheSegmentInsideTheBox()
    {
        const int rows = 3, n = 12;
        float[] x = AttackKernelTests.PixelLike(131, rows * n), a = AttackKernelTests.PixelLike(132, rows * n);
        float[] scales = [0f, 0.37f, 1f];
        using var tx = Tensor.FromArray(Dev, x, rows, n);
        using var ta = Tensor.FromArray(Dev, a, rows, n);
        using var ts = Tensor.FromArray(Dev, scales, rows);
        using var tp = Tensor.Allocate(Dev, rows, n);
        var kernel = Dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(BoundaryBisection.Interpolate);
        foreach (var s in Splits(rows * n))
        {
            kernel(s.Threads, s, tp.View, tx.View, ta.View, ts.View, n);
            float[] p = tp.ToArray();
            var expected = x.Select((v, i) => v + (double)scales[i / n] * (a[i] - v)).ToArray();
            Compare.Close(expected, p, rtol: 0, atol: 1e-7, what: "points");
            Assert.All(p, v => Assert.InRange(v, 0f, 1f));
        }
    }

    /// <summary>The margin loss in float64, and its gradient as the subgradient C&amp;W's code takes.</summary>
    private static (double Loss, double[] Gradient) MarginReference(double[] z, int label, int target, double kappa)
    {
        int own = target >= 0 ? target : label;
        double sign = target >= 0 ? -1 : 1;
        int rival = Enumerable.Range(0, z.Length).Where(k => k != own).OrderByDescending(k => z[k]).ThenBy(k => k).First();
        double d = sign * (z[own] - z[rival]);
        var gradient = new double[z.Length];
        if (d > -kappa)
        {
            gradient[own] = sign;
            gradient[rival] = -sign;
        }
        return (Math.Max(d, -kappa), gradient);
    }

    private static double Norm(double[] v) => Math.Sqrt(v.Sum(t => t * t));

    private static double[] Row(float[] a, int r, int n) => a.Skip(r * n).Take(n).Select(v => (double)v).ToArray();

    private static WorkSplit[] Splits(int count) =>
        [Dev.Split(count), WorkSplit.Chunked(count, 3), WorkSplit.Strided(count, 5)];
}
