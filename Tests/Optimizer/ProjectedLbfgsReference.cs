using IlgpuBlindSpots.Optimizer;

namespace IlgpuBlindSpots.Tests.Optimizer;

/// <summary>
/// The algorithm of <see cref="ProjectedLbfgs"/> for one problem, written plainly in float64 on the
/// host: a list of correction pairs instead of a ring, the textbook two-loop recursion with
/// explicit projections onto the free variables, one line search at a time.
/// </summary>
internal static class ProjectedLbfgsReference
{
    /// <summary>f(x), writing ∇f(x) into the second argument.</summary>
    public delegate double Function(double[] x, double[] gradient);

    public sealed record Outcome(double[] X, double Value, StopReason Reason, int Iterations, int Evaluations);

    private const double CurvatureTolerance = 1.1920929e-7;
    private const double ValueNoiseTolerance = 1e-6;

    public static Outcome Minimize(Function fg, double[] start, double[] lower, double[] upper, LbfgsOptions o)
    {
        int n = start.Length;
        var x = new double[n];
        for (int i = 0; i < n; i++) x[i] = Math.Clamp(start[i], lower[i], upper[i]);
        var g = new double[n];
        double f = fg(x, g);
        int evaluations = 1, iterations = 0;
        if (ProjectedGradientNorm(x, g, lower, upper) <= o.ProjectedGradientTolerance)
            return new Outcome(x, f, StopReason.Converged, 0, evaluations);

        var pairs = new List<(double[] S, double[] Y)>(); // oldest first
        while (true)
        {
            var free = new double[n];
            for (int i = 0; i < n; i++)
            {
                bool held = lower[i] >= upper[i] || (x[i] <= lower[i] && g[i] > 0) || (x[i] >= upper[i] && g[i] < 0);
                free[i] = held ? 0 : 1;
            }
            var d = QuasiNewtonDirection(g, free, pairs, out bool usedPairs);
            double step = 1;
            if (!usedPairs || Dot(g, d) >= 0)
            {
                if (usedPairs) pairs.Clear();
                for (int i = 0; i < n; i++) d[i] = -free[i] * g[i];
                double norm = Math.Sqrt(Dot(d, d));
                step = norm > 0 ? 1 / norm : 1;
            }

            double[]? xt = null, gt = null;
            double ft = 0;
            bool accepted = false;
            for (int trial = 0; trial < o.MaxLineSearchSteps && !accepted; trial++, step *= 0.5)
            {
                xt = new double[n];
                gt = new double[n];
                for (int i = 0; i < n; i++) xt[i] = Math.Clamp(x[i] + step * d[i], lower[i], upper[i]);
                double slope = 0;
                for (int i = 0; i < n; i++) slope += g[i] * (xt[i] - x[i]);
                ft = fg(xt, gt);
                evaluations++;
                bool sufficient = slope < 0 && ft < f && ft <= f + o.SufficientDecrease * slope;
                bool withinNoise = slope < 0 && ft <= f + ValueNoiseTolerance * Math.Abs(f);
                double trialSlope = 0;
                for (int i = 0; i < n; i++) trialSlope += gt[i] * (xt[i] - x[i]);
                double estimate = 0.5 * (slope + trialSlope);
                accepted = sufficient || (withinNoise && estimate <= o.SufficientDecrease * slope);
                if (accepted)
                {
                    var s = new double[n];
                    var y = new double[n];
                    for (int i = 0; i < n; i++) { s[i] = xt[i] - x[i]; y[i] = gt[i] - g[i]; }
                    double sy = Dot(s, y), yy = Dot(y, y);
                    if (yy > 0 && sy > CurvatureTolerance * yy)
                    {
                        pairs.Add((s, y));
                        if (pairs.Count > o.Memory) pairs.RemoveAt(0);
                    }
                    double decrease = sufficient ? f - ft : -estimate;
                    double scale = Math.Max(Math.Max(Math.Abs(f), Math.Abs(ft)), 1);
                    x = xt;
                    g = gt;
                    f = ft;
                    iterations++;
                    if (ProjectedGradientNorm(x, g, lower, upper) <= o.ProjectedGradientTolerance)
                        return new Outcome(x, f, StopReason.Converged, iterations, evaluations);
                    if (decrease <= o.RelativeReductionTolerance * scale)
                        return new Outcome(x, f, StopReason.RelativeReductionBelowTolerance, iterations, evaluations);
                    if (iterations >= o.MaxIterations)
                        return new Outcome(x, f, StopReason.MaxIterations, iterations, evaluations);
                }
            }
            if (!accepted)
            {
                if (pairs.Count == 0)
                    return new Outcome(x, f, StopReason.LineSearchFailed, iterations, evaluations);
                pairs.Clear();
            }
        }
    }

    /// <summary>
    /// −H·g on the free variables F, H the L-BFGS inverse Hessian of the pairs (s, P_F·y) whose
    /// restricted curvature sᵀP_F·y is positive (others skipped), H₀ = γI from the newest of them.
    /// </summary>
    private static double[] QuasiNewtonDirection(double[] g, double[] free, List<(double[] S, double[] Y)> pairs, out bool used)
    {
        int n = g.Length, count = pairs.Count;
        var q = new double[n];
        for (int i = 0; i < n; i++) q[i] = free[i] * g[i];
        var alpha = new double[count];
        var rho = new double[count];
        var s = new double[count][];
        var y = new double[count][];
        double gamma = 0;
        used = false;
        for (int j = count - 1; j >= 0; j--)
        {
            s[j] = new double[n];
            y[j] = new double[n];
            for (int i = 0; i < n; i++) { s[j][i] = free[i] * pairs[j].S[i]; y[j][i] = free[i] * pairs[j].Y[i]; }
            double sy = Dot(s[j], y[j]), yy = Dot(y[j], y[j]);
            if (!(yy > 0 && sy > CurvatureTolerance * yy)) continue;
            rho[j] = 1 / sy;
            if (!used) gamma = sy / yy;
            used = true;
            alpha[j] = rho[j] * Dot(s[j], q);
            for (int i = 0; i < n; i++) q[i] -= alpha[j] * y[j][i];
        }
        if (!used) return q;
        for (int i = 0; i < n; i++) q[i] *= gamma;
        for (int j = 0; j < count; j++)
        {
            if (rho[j] == 0) continue;
            double beta = rho[j] * Dot(y[j], q);
            for (int i = 0; i < n; i++) q[i] += (alpha[j] - beta) * s[j][i];
        }
        for (int i = 0; i < n; i++) q[i] = -q[i];
        return q;
    }

    public static double ProjectedGradientNorm(double[] x, double[] g, double[] lower, double[] upper)
    {
        double norm = 0;
        for (int i = 0; i < x.Length; i++)
            norm = Math.Max(norm, Math.Abs(Math.Clamp(x[i] - g[i], lower[i], upper[i]) - x[i]));
        return norm;
    }

    private static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }
}
