namespace IlgpuBlindSpots.Tests.Reference;

/// <summary>
/// Singular values of a float64 matrix by one-sided Jacobi (Hestenes): rotate pairs of columns until
/// all are mutually orthogonal; the column norms are then the singular values. Independent of any
/// power iteration, and accurate to rounding whatever the gaps between singular values.
/// </summary>
internal static class SingularValuesReference
{
    /// <summary>The singular values, largest first, of the row-major matrix a [rows, cols].</summary>
    public static double[] Of(double[] a, int rows, int cols)
    {
        // Orthogonalize the shorter side's vectors: work on Aᵀ when A is wide.
        bool wide = cols > rows;
        int m = wide ? cols : rows, n = wide ? rows : cols;
        var col = new double[n][];
        for (int j = 0; j < n; j++)
        {
            col[j] = new double[m];
            for (int i = 0; i < m; i++) col[j][i] = wide ? a[j * cols + i] : a[i * cols + j];
        }
        for (int sweep = 0; sweep < 100; sweep++)
        {
            bool rotated = false;
            for (int p = 0; p < n - 1; p++)
                for (int q = p + 1; q < n; q++)
                {
                    double alpha = 0, beta = 0, gamma = 0;
                    for (int i = 0; i < m; i++)
                    {
                        alpha += col[p][i] * col[p][i];
                        beta += col[q][i] * col[q][i];
                        gamma += col[p][i] * col[q][i];
                    }
                    if (Math.Abs(gamma) <= 1e-15 * Math.Sqrt(alpha * beta)) continue;
                    rotated = true;
                    double zeta = (beta - alpha) / (2 * gamma);
                    double t = Math.Sign(zeta == 0 ? 1 : zeta) / (Math.Abs(zeta) + Math.Sqrt(1 + zeta * zeta));
                    double c = 1 / Math.Sqrt(1 + t * t), s = c * t;
                    for (int i = 0; i < m; i++)
                    {
                        double x = col[p][i], y = col[q][i];
                        col[p][i] = c * x - s * y;
                        col[q][i] = s * x + c * y;
                    }
                }
            if (!rotated) break;
        }
        return col.Select(v => Math.Sqrt(v.Sum(x => x * x))).OrderByDescending(x => x).ToArray();
    }
}
