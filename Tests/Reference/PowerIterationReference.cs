namespace IlgpuBlindSpots.Tests.Reference;

/// <summary>
/// Plain float64 power iteration for the operator norm of a linear map given as a product and its
/// transpose: v ← Aᵀ A v/‖Aᵀ A v‖ until the residual ‖AᵀA v − ‖Av‖²·v‖ is a tiny fraction of ‖Av‖²,
/// so the estimate does not depend on how the fast code decides to stop.
/// </summary>
internal static class PowerIterationReference
{
    public static double Norm(Func<double[], double[]> apply, Func<double[], double[]> transpose, int inputLength,
        int seed = 11, double residualTolerance = 1e-9, int maxIterations = 200_000)
    {
        var rng = new Random(seed);
        var v = new double[inputLength];
        for (int i = 0; i < v.Length; i++) v[i] = rng.NextDouble() * 2 - 1;
        Normalize(v);
        double sigma = 0;
        for (int it = 0; it < maxIterations; it++)
        {
            var u = apply(v);
            double rho = Dot(u, u);
            sigma = Math.Sqrt(rho);
            var w = transpose(u);
            double residual = 0;
            for (int i = 0; i < w.Length; i++) residual += (w[i] - rho * v[i]) * (w[i] - rho * v[i]);
            if (rho == 0 || Math.Sqrt(residual) <= residualTolerance * rho) return sigma;
            v = w;
            Normalize(v);
        }
        throw new InvalidOperationException($"reference power iteration did not converge in {maxIterations} iterations (σ ≈ {sigma})");
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    private static void Normalize(double[] v)
    {
        double n = Math.Sqrt(Dot(v, v));
        for (int i = 0; i < v.Length; i++) v[i] /= n;
    }
}
