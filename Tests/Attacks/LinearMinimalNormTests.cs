using IlgpuBlindSpots.Optimizer.Attacks;

namespace IlgpuBlindSpots.Tests.Attacks;

/// <summary>
/// Every minimal-norm attack on linear classifiers, where the smallest L2 perturbation is known:
/// for two classes it is closed-form, r* = d·Δw/‖Δw‖² along the weight difference; for more classes
/// it solves a quadratic program over the K − 1 margin constraints, solved exactly here by trying
/// every set of active constraints. The inputs sit mid-box with minimal perturbations well inside
/// it, so the box does not bind and the answer is the unboxed one. Each attack must succeed on
/// every example and come within its stated tolerance above the minimum (and never below it).
/// </summary>
public class LinearMinimalNormTests
{
    private const int N = 784, Examples = 6;

    /// <summary>The attacks and the relative excess over the true minimum each must stay under.</summary>
    public static TheoryData<string, double> Attacks() => new()
    {
        { "cw", 0.002 },
        { "ddn", 0.003 },
        { "fmn", 0.001 },
        { "fmn-deepfool", 0.001 },
        { "lbfgs-refined", 0.002 },
        { "lbfgs-margin-refined", 0.002 },
    };

    [Theory]
    [MemberData(nameof(Attacks))]
    public void TwoClassesLandOnTheClosedFormMinimum(string name, double tolerance)
    {
        using var p = TwoClass(seed: 141);
        // r* = d/‖w_y − w_t‖ in norm.
        var expected = p.Margins.Select(m => m.Margin / m.Norm2).ToArray();
        Check(Build(name), p.Model, p.X, p.Labels, new TargetedMisclassification(p.Targets), expected, tolerance);
    }

    [Theory]
    [MemberData(nameof(Attacks))]
    public void FourClassesLandOnTheQuadraticProgramsMinimum(string name, double tolerance)
    {
        using var model = Linear(classes: 4, seed: 151);
        var (x, labels) = Inputs(model, seed: 152);
        int[] targets = labels.Select(y => (y + 1) % 4).ToArray();
        float[] w = model.Parameters[0].Value.ToArray(), b = model.Parameters[1].Value.ToArray();
        var expected = Enumerable.Range(0, Examples)
            .Select(e => MinimalNorm(w, b, 4, x.Skip(e * N).Take(N).Select(v => (double)v).ToArray(), targets[e])).ToArray();
        Check(Build(name), model, x, labels, new TargetedMisclassification(targets), expected, tolerance);
    }

    /// <summary>
    /// A two-class linear model (<see cref="Linear"/>), its mid-box inputs and labels, each example's
    /// target the other class, and each example's <see cref="TwoClassMargin"/>.
    /// </summary>
    private sealed record TwoClassProblem(SequentialModel Model, float[] X, int[] Labels, int[] Targets,
        (double Margin, double Norm2, double Norm1)[] Margins) : IDisposable
    {
        public Tensor Inputs() => Tensor.FromArray(TestDevice.Current, X, Examples, 1, 28, 28);
        public void Dispose() => Model.Dispose();
    }

    /// <summary>The two-class problem of <paramref name="seed"/> (its inputs from seed + 1).</summary>
    private static TwoClassProblem TwoClass(int seed)
    {
        var model = Linear(classes: 2, seed);
        var (x, labels) = Inputs(model, seed + 1);
        int[] targets = labels.Select(y => 1 - y).ToArray();
        float[] w = model.Parameters[0].Value.ToArray(), b = model.Parameters[1].Value.ToArray();
        var margins = Enumerable.Range(0, Examples).Select(e => TwoClassMargin(w, b, x, e, labels[e], targets[e])).ToArray();
        return new TwoClassProblem(model, x, labels, targets, margins);
    }

    /// <summary>
    /// Example e's logit margin d = (w_y − w_t)·x + b_y − b_t (&gt; 0 while it is classified y) and
    /// w_y − w_t's L2 and L1 norms: the closed-form minima of a two-class linear model are d over the dual norm.
    /// </summary>
    private static (double Margin, double Norm2, double Norm1) TwoClassMargin(float[] w, float[] b, float[] x, int e, int y, int t)
    {
        double d = b[y] - b[t], norm2 = 0, norm1 = 0;
        for (int k = 0; k < N; k++)
        {
            double dw = w[y * N + k] - w[t * N + k];
            d += dw * x[e * N + k];
            norm2 += dw * dw;
            norm1 += Math.Abs(dw);
        }
        return (d, Math.Sqrt(norm2), norm1);
    }

    /// <summary>
    /// FMN's L∞ variant: for two classes the smallest L∞ perturbation is d/‖w_y − w_t‖₁ (every value
    /// moved by that much against the sign of the weight difference), Hölder's inequality's equality case.
    /// </summary>
    [Fact]
    public void FmnLInfLandsOnTheTwoClassClosedFormMinimum()
    {
        using var p = TwoClass(seed: 171);
        using var inputs = p.Inputs();
        var results = new FmnAttack(new FmnOptions { Norm = Distance.LInf }).Run(p.Model, inputs, p.Labels, new TargetedMisclassification(p.Targets));
        for (int e = 0; e < Examples; e++)
        {
            double expected = p.Margins[e].Margin / p.Margins[e].Norm1, found = results[e].Distortion.LInf;
            Assert.True(results[e].Success, $"example {e}: not fooled");
            Assert.True(expected < 0.25, $"example {e}: the minimum {expected} is not inside the box");
            Assert.True(found >= expected * (1 - 1e-4), $"example {e}: ‖r‖∞ = {found} is below the minimum {expected}");
            Assert.True(found <= expected * (1 + LInfTolerance), $"example {e}: ‖r‖∞ = {found} is {found / expected - 1:P3} above the minimum {expected}");
        }
    }

    /// <summary>The relative excess over the L∞ minimum FMN's L∞ variant must stay under.</summary>
    private const double LInfTolerance = 0.005;

    /// <summary>
    /// FMN's last bisection: after DDN's start with no first bisection and a few FMN steps (so the best inputs lie past
    /// the boundary), the bisection along each best perturbation only ever shrinks it, shrinks some,
    /// and its forward passes are counted as evaluations.
    /// </summary>
    [Fact]
    public void FmnsLastBisectionOnlyShrinksAndIsCounted()
    {
        using var model = Linear(classes: 4, seed: 181);
        var (x, labels) = Inputs(model, seed: 182);
        var criterion = new TargetedMisclassification(labels.Select(y => (y + 1) % 4).ToArray());
        using var inputs = Tensor.FromArray(TestDevice.Current, x, Examples, 1, 28, 28);
        var plain = new FmnAttack(new FmnOptions { Start = FmnStart.Ddn, Steps = 3, BisectionSteps = 0, FinalBisectionSteps = 0 }).Run(model, inputs, labels, criterion);
        var bisected = new FmnAttack(new FmnOptions { Start = FmnStart.Ddn, Steps = 3, BisectionSteps = 0, FinalBisectionSteps = 10 }).Run(model, inputs, labels, criterion);
        bool anyShrank = false;
        for (int e = 0; e < Examples; e++)
        {
            Assert.True(plain[e].Success && bisected[e].Success, $"example {e}: not fooled");
            Assert.True(bisected[e].Distortion.L2 <= plain[e].Distortion.L2, $"example {e}: {bisected[e].Distortion.L2} > {plain[e].Distortion.L2}");
            anyShrank |= bisected[e].Distortion.L2 < plain[e].Distortion.L2 * (1 - 1e-4);
            Assert.Equal(plain[e].Evaluations + 10, bisected[e].Evaluations);
        }
        Assert.True(anyShrank, "the last bisection shrank no perturbation after only 3 FMN steps");
    }

    /// <summary>
    /// FMN's DeepFool start on a two-class linear model, mid-box: the linearisation is exact, so one
    /// step lands (1 + η) past the boundary, at (d + 10⁻⁴)(1 + η)/‖w_y − w_t‖, and fools every example.
    /// </summary>
    [Fact]
    public void OneDeepFoolStepLandsPastTheTwoClassBoundaryByItsOvershoot()
    {
        using var p = TwoClass(seed: 191);
        using var inputs = p.Inputs();
        var start = new FmnAttack(new FmnOptions { Start = FmnStart.DeepFool, InitSteps = 1, Steps = 0, FinalBisectionSteps = 0 });
        var results = start.Run(p.Model, inputs, p.Labels, new TargetedMisclassification(p.Targets));
        for (int e = 0; e < Examples; e++)
        {
            var m = p.Margins[e];
            double expected = (m.Margin + DeepFool.MarginFloor) * (1 + DeepFoolStart.Overshoot) / m.Norm2;
            Assert.True(results[e].Success, $"example {e}: not fooled");
            Assert.Equal(1, results[e].Evaluations);
            Assert.True(Math.Abs(results[e].Distortion.L2 / expected - 1) < 1e-4, $"example {e}: ‖r‖ = {results[e].Distortion.L2}, expected {expected}");
        }
    }

    /// <summary>Which start FMN takes: by default DDN's (with its bisection), except the input for an L∞ target; 0 steps: the input.</summary>
    [Fact]
    public void FmnStartsByGoalUnlessToldOtherwise()
    {
        var defaults = new FmnOptions();
        Assert.Equal((FmnStart.Ddn, FmnOptions.DdnStartSteps, 10), defaults.StartFor(untargeted: false));
        Assert.Equal((FmnStart.Ddn, FmnOptions.DdnStartSteps, 10), defaults.StartFor(untargeted: true));
        Assert.Equal((FmnStart.DeepFool, DeepFoolStart.DefaultSteps, 0), new FmnOptions { Start = FmnStart.DeepFool }.StartFor(false));
        Assert.Equal((FmnStart.Input, 0, 0), new FmnOptions { Norm = Distance.LInf }.StartFor(untargeted: false));
        Assert.Equal((FmnStart.Ddn, FmnOptions.DdnStartSteps, 10), new FmnOptions { Norm = Distance.LInf }.StartFor(untargeted: true));
        Assert.Equal((FmnStart.Ddn, 5, 4), new FmnOptions { Start = FmnStart.Ddn, InitSteps = 5, BisectionSteps = 4 }.StartFor(false));
        Assert.Equal((FmnStart.DeepFool, 7, 0), new FmnOptions { Start = FmnStart.DeepFool, InitSteps = 7 }.StartFor(true));
        Assert.Equal((FmnStart.Input, 0, 0), new FmnOptions { InitSteps = 0 }.StartFor(false));
        Assert.Equal((FmnStart.Input, 0, 0), new FmnOptions { Start = FmnStart.Input }.StartFor(true));
        Assert.Throws<BlindSpotsException>(() => new FmnAttack(new FmnOptions { InitSteps = -1 }));
        Assert.Throws<BlindSpotsException>(() => new FmnAttack(new FmnOptions { Start = (FmnStart)9 }));
    }

    [Fact]
    public void TheQuadraticProgramAgreesWithTheClosedFormForTwoClasses()
    {
        using var model = Linear(classes: 2, seed: 161);
        float[] w = model.Parameters[0].Value.ToArray(), b = model.Parameters[1].Value.ToArray();
        double[] x = Rand.Uniform(162, N, 0.3f, 0.7f).Select(v => (double)v).ToArray();
        int y = Dot(w, 0, x) + b[0] > Dot(w, 1, x) + b[1] ? 0 : 1, t = 1 - y;
        double d = Dot(w, y, x) + b[y] - Dot(w, t, x) - b[t];
        double dw = Math.Sqrt(Enumerable.Range(0, N).Sum(k => Math.Pow(w[y * N + k] - w[t * N + k], 2)));
        Assert.Equal(d / dw, MinimalNorm(w, b, 2, x, t), 6);
    }

    private static void Check(Attack attack, SequentialModel model, float[] x, int[] labels, Criterion criterion,
        double[] expected, double tolerance)
    {
        using var inputs = Tensor.FromArray(TestDevice.Current, x, Examples, 1, 28, 28);
        var results = attack.Run(model, inputs, labels, criterion);
        for (int e = 0; e < Examples; e++)
        {
            var r = results[e];
            Assert.True(r.Success, $"example {e}: not fooled");
            Assert.True(r.Distortion.LInf < 0.29, $"example {e}: a pixel moved by {r.Distortion.LInf}, so the box may have bound");
            double ratio = r.Distortion.L2 / expected[e];
            Assert.True(ratio >= 1 - 1e-4, $"example {e}: ‖r‖ = {r.Distortion.L2} is below the minimum {expected[e]}");
            Assert.True(ratio <= 1 + tolerance, $"example {e}: ‖r‖ = {r.Distortion.L2} is {ratio - 1:P3} above the minimum {expected[e]}");
        }
    }

    private static Attack Build(string name) => name switch
    {
        "cw" => new CwAttack(new CwOptions { InitialConst = 1 }),
        "ddn" => new DdnAttack(new DdnOptions { InitialNorm = 0.5 }),
        "fmn" => new FmnAttack(),
        "fmn-deepfool" => new FmnAttack(new FmnOptions { Start = FmnStart.DeepFool }),
        "lbfgs-refined" => new LbfgsAttack(new LbfgsAttackOptions { Refinement = new FmnOptions { Steps = 10, StepSize = 0.1 } }),
        _ => new LbfgsAttack(new LbfgsAttackOptions
        {
            Loss = AttackLossKind.Margin, Confidence = 0.1, Refinement = new FmnOptions { Steps = 10, StepSize = 0.1 },
        }),
    };

    /// <summary>
    /// A linear classifier of [1, 28, 28] inputs with random weights, whose logits nearly tie at the
    /// centre of the box (biases −w_k·½ plus a little), so that mid-box inputs are close to its boundaries.
    /// </summary>
    private static SequentialModel Linear(int classes, int seed)
    {
        var model = SequentialModel.Create(TestDevice.Current, $"fc:{classes}", [1, 28, 28]);
        float[] w = Rand.Uniform(seed, classes * N), offsets = Rand.Uniform(seed + 1, classes, -30f, 30f);
        model.Parameters[0].Value.CopyFrom(w);
        model.Parameters[1].Value.CopyFrom(Enumerable.Range(0, classes)
            .Select(k => offsets[k] - 0.5f * Enumerable.Range(0, N).Sum(i => w[k * N + i])).ToArray());
        return model;
    }

    /// <summary>Mid-box inputs whose minimal perturbation is small: labels are the model's predictions.</summary>
    private static (float[] X, int[] Labels) Inputs(SequentialModel model, int seed)
    {
        float[] x = Rand.Uniform(seed, Examples * N, 0.3f, 0.7f);
        using var t = Tensor.FromArray(TestDevice.Current, x, Examples, 1, 28, 28);
        float[] z = model.Logits(t).ToArray();
        int k = model.Classes;
        int[] labels = Enumerable.Range(0, Examples)
            .Select(e => Enumerable.Range(0, k).OrderByDescending(c => z[e * k + c]).First()).ToArray();
        return (x, labels);
    }

    /// <summary>
    /// min ‖r‖ subject to z_t(x + r) ≥ z_k(x + r) for every k ≠ t: for each set S of active
    /// constraints, r = A_Sᵀλ with A_S A_Sᵀ λ = c_S; the smallest r with λ ≥ 0 that meets every constraint.
    /// </summary>
    internal static double MinimalNorm(float[] w, float[] b, int classes, double[] x, int t)
    {
        var others = Enumerable.Range(0, classes).Where(k => k != t).ToArray();
        var a = others.Select(k => Enumerable.Range(0, N).Select(i => (double)w[t * N + i] - w[k * N + i]).ToArray()).ToArray();
        var c = others.Select((k, j) => -(Dot(a[j], x) + b[t] - b[k])).ToArray();
        double best = double.PositiveInfinity;
        for (int mask = 1; mask < 1 << others.Length; mask++)
        {
            var active = Enumerable.Range(0, others.Length).Where(j => (mask >> j & 1) != 0).ToArray();
            var gram = active.Select(i => active.Select(j => Dot(a[i], a[j])).ToArray()).ToArray();
            var lambda = Solve(gram, active.Select(j => c[j]).ToArray());
            if (lambda.Any(l => l < -1e-12)) continue;
            var r = new double[N];
            for (int q = 0; q < active.Length; q++)
                for (int i = 0; i < N; i++) r[i] += lambda[q] * a[active[q]][i];
            if (Enumerable.Range(0, others.Length).Any(j => Dot(a[j], r) < c[j] - 1e-9)) continue;
            best = Math.Min(best, Math.Sqrt(Dot(r, r)));
        }
        return best;
    }

    private static double Dot(float[] w, int row, double[] x) => Enumerable.Range(0, N).Sum(i => w[row * N + i] * x[i]);

    private static double Dot(double[] u, double[] v) => u.Zip(v, (p, q) => p * q).Sum();

    /// <summary>Gaussian elimination with partial pivoting, for the few unknowns of an active set.</summary>
    private static double[] Solve(double[][] m, double[] rhs)
    {
        int n = rhs.Length;
        var a = m.Select((row, i) => row.Append(rhs[i]).ToArray()).ToArray();
        for (int col = 0; col < n; col++)
        {
            int pivot = Enumerable.Range(col, n - col).OrderByDescending(r => Math.Abs(a[r][col])).First();
            (a[col], a[pivot]) = (a[pivot], a[col]);
            for (int r = col + 1; r < n; r++)
            {
                double f = a[r][col] / a[col][col];
                for (int k = col; k <= n; k++) a[r][k] -= f * a[col][k];
            }
        }
        var result = new double[n];
        for (int r = n - 1; r >= 0; r--)
        {
            double s = a[r][n];
            for (int k = r + 1; k < n; k++) s -= a[r][k] * result[k];
            result[r] = s / a[r][r];
        }
        return result;
    }
}
