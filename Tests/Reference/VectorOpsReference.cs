namespace IlgpuBlindSpots.Tests.Reference;

/// <summary>
/// The row-wise vector operations in plain float64 over a matrix [rows, n], one problem per row.
/// active (null for all rows) skips a row: its outputs keep what they held.
/// </summary>
internal static class VectorOpsReference
{
    public static bool IsActive(int[]? active, int r) => active is null || active[r] != 0;

    /// <summary>y[r, :] + a(r)·x[r, :] for active rows, y[r, :] otherwise.</summary>
    public static double[] ScaledAdd(float[] x, float[] y, Func<int, double> a, int[]? active, int rows, int n)
    {
        var result = y.Select(v => (double)v).ToArray();
        for (int r = 0; r < rows; r++)
            if (IsActive(active, r))
                for (int k = 0; k < n; k++) result[r * n + k] += a(r) * x[r * n + k];
        return result;
    }

    /// <summary>f(r, k, x[r, k]) for active rows, x otherwise.</summary>
    public static double[] Map(float[] x, Func<int, int, double, double> f, int[]? active, int rows, int n)
    {
        var result = x.Select(v => (double)v).ToArray();
        for (int r = 0; r < rows; r++)
            if (IsActive(active, r))
                for (int k = 0; k < n; k++) result[r * n + k] = f(r, k, x[r * n + k]);
        return result;
    }

    /// <summary>f(r) for each active row; inactive rows give initial[r].</summary>
    public static double[] PerRow(Func<int, double> f, double[] initial, int[]? active, int rows)
    {
        var result = (double[])initial.Clone();
        for (int r = 0; r < rows; r++)
            if (IsActive(active, r))
                result[r] = f(r);
        return result;
    }

    /// <summary>Row r of a [rows, n] matrix, in float64.</summary>
    public static double[] Row(float[] x, int r, int n) => x.Skip(r * n).Take(n).Select(v => (double)v).ToArray();

    public static double Dot(double[] x, double[] y) => x.Select((v, i) => v * y[i]).Sum();

    public static double NormL2(double[] x) => Math.Sqrt(x.Sum(v => v * v));

    public static double Clamp(double v, double lo, double hi) => Math.Min(Math.Max(v, lo), hi);

    /// <summary>The first index of the largest element.</summary>
    public static int ArgMax(double[] x)
    {
        int best = 0;
        for (int k = 1; k < x.Length; k++) if (x[k] > x[best]) best = k;
        return best;
    }
}
