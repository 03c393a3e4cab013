using ILGPU;

namespace IlgpuBlindSpots.Tests.Optimizer;

/// <summary>
/// Batched test objectives with known minimizers, as device kernels: f and ∇f of every active
/// problem, one work item per problem, computed in float64 and stored as float32 so that the
/// optimizer, not the objective, limits the accuracy. Shapes: x, gradient [P, n], value [P].
/// </summary>
public static class AnalyticObjectives
{
    /// <summary>f = ½(x − c)ᵀA(x − c), ∇f = A(x − c); a [P, n, n] (symmetric positive definite), c [P, n].</summary>
    public static void Quadratic(Index1D t, WorkSplit s,
        ArrayView<float> x, ArrayView<float> value, ArrayView<float> gradient, ArrayView<int> active,
        ArrayView<float> a, ArrayView<float> c, int n)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int p = s.Item(t, j);
            if (p >= s.Count) return;
            if (active[p] == 0) continue;
            int row = p * n;
            double f = 0;
            for (int i = 0; i < n; i++)
            {
                double gi = 0;
                for (int k = 0; k < n; k++)
                    gi += (double)a[(p * n + i) * n + k] * ((double)x[row + k] - c[row + k]);
                gradient[row + i] = (float)gi;
                f += 0.5 * ((double)x[row + i] - c[row + i]) * gi;
            }
            value[p] = (float)f;
        }
    }

    /// <summary>Chained Rosenbrock f = Σᵢ 100(xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)², minimum 0 at (1, …, 1).</summary>
    public static void Rosenbrock(Index1D t, WorkSplit s,
        ArrayView<float> x, ArrayView<float> value, ArrayView<float> gradient, ArrayView<int> active, int n)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int p = s.Item(t, j);
            if (p >= s.Count) return;
            if (active[p] == 0) continue;
            int row = p * n;
            double f = 0;
            for (int i = 0; i < n; i++)
            {
                double xi = x[row + i], gi = 0;
                if (i + 1 < n)
                {
                    double bend = x[row + i + 1] - xi * xi;
                    f += 100 * bend * bend + (1 - xi) * (1 - xi);
                    gi += -400 * xi * bend - 2 * (1 - xi);
                }
                if (i > 0)
                {
                    double before = x[row + i - 1];
                    gi += 200 * (xi - before * before);
                }
                gradient[row + i] = (float)gi;
            }
            value[p] = (float)f;
        }
    }

    /// <summary>f = 1 at x = start and NaN anywhere else, with ∇f = (1, …, 1): no step can be accepted.</summary>
    public static void UndefinedAwayFromStart(Index1D t, WorkSplit s,
        ArrayView<float> x, ArrayView<float> value, ArrayView<float> gradient, ArrayView<int> active,
        ArrayView<float> start, int n)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int p = s.Item(t, j);
            if (p >= s.Count) return;
            if (active[p] == 0) continue;
            int row = p * n;
            bool atStart = true;
            for (int i = 0; i < n; i++)
            {
                if (x[row + i] != start[row + i]) atStart = false;
                gradient[row + i] = 1f;
            }
            value[p] = atStart ? 1f : float.NaN;
        }
    }
}
