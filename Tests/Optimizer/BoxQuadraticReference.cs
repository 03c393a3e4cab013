namespace IlgpuBlindSpots.Tests.Optimizer;

/// <summary>
/// The minimizer of ½(x − c)ᵀA(x − c) over a box, A symmetric positive definite, by projected
/// coordinate descent in float64: each sweep minimizes exactly along every coordinate in turn,
/// which converges for any such A; sweeps run until no coordinate moves by more than 1e-14.
/// </summary>
internal static class BoxQuadraticReference
{
    public static double[] Minimize(float[] a, float[] c, float[] lower, float[] upper, int p, int n)
    {
        var x = new double[n];
        for (int i = 0; i < n; i++) x[i] = Math.Clamp(c[p * n + i], lower[p * n + i], upper[p * n + i]);
        for (int sweep = 0; sweep < 1_000_000; sweep++)
        {
            double largestMove = 0;
            for (int i = 0; i < n; i++)
            {
                double gi = 0;
                for (int k = 0; k < n; k++) gi += a[(p * n + i) * n + k] * (x[k] - c[p * n + k]);
                double xi = Math.Clamp(x[i] - gi / a[(p * n + i) * n + i], lower[p * n + i], upper[p * n + i]);
                largestMove = Math.Max(largestMove, Math.Abs(xi - x[i]));
                x[i] = xi;
            }
            if (largestMove <= 1e-14) return x;
        }
        throw new InvalidOperationException("projected coordinate descent did not converge");
    }
}
