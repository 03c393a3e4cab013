using ILGPU;
using ILGPU.Algorithms;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// Vector operations for the optimizers and the loss: row-wise operations over a matrix
/// [rows, n] that holds one independent problem per row (a batch of attacks), and two-stage sums
/// of a whole vector.
/// </summary>
/// <remarks>
/// <para>Row kernels: a work item is one row. Each takes <c>active</c>, one flag per row: a row
/// whose flag is 0 (a problem that has stopped) is skipped at once and its outputs are left as they
/// were; pass an empty view (<c>ArrayView&lt;int&gt;.Empty</c>) to process every row. On the CPU
/// accelerator a row of 784 is a good-sized item. On a GPU one thread per row is uncoalesced
/// (neighbouring threads read addresses a row apart); a warp-per-row variant would be faster there.</para>
/// <para>Per-row scalars (dot products, norms, step lengths) are float64 while the vectors stay
/// float32: L-BFGS divides by curvatures yᵀs that lose most of their digits to cancellation near
/// convergence, so the sums are accumulated in float64 and kept so, letting the optimizer's own
/// per-row arithmetic (ρ = 1/yᵀs, α = ρ·sᵀq, γ = sᵀy/yᵀy) stay in float64 until a scalar is applied
/// to a float32 vector. The context must not demote doubles (no <c>MathMode.Fast32BitOnly</c>), and
/// an OpenCL device needs fp64 support.</para>
/// <para>Sums of a whole vector run in two stages so that a GPU gets parallelism: a
/// <c>…Partials</c> kernel adds up each thread's items into <c>partials[thread]</c> (so partials
/// needs <c>WorkSplit.Threads</c> entries; the split decides the pattern: contiguous chunks on the
/// CPU, a coalesced grid stride on a GPU), then <see cref="FinishSum"/> adds the partials in one
/// work item. Since that second stage is sequential, give the first a split of at most a few
/// thousand threads.</para>
/// </remarks>
public static class VectorOps
{
    /// <summary>y[r, :] += scale·alpha[r]·x[r, :], alpha one float64 per row. Items: rows.</summary>
    public static void ScaledAdd(Index1D t, WorkSplit s,
        ArrayView<float> x, ArrayView<float> y, ArrayView<double> alpha, float scale,
        ArrayView<int> active, int n)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int r = s.Item(t, j);
            if (r >= s.Count) return;
            if (IsInactive(active, r)) continue;
            AddRow(x, y, (float)(scale * alpha[r]), r * n, n);
        }
    }

    /// <summary>y[r, :] += alpha·x[r, :], the same alpha for every row. Items: rows.</summary>
    public static void ScaledAddScalar(Index1D t, WorkSplit s,
        ArrayView<float> x, ArrayView<float> y, float alpha, ArrayView<int> active, int n)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int r = s.Item(t, j);
            if (r >= s.Count) return;
            if (IsInactive(active, r)) continue;
            AddRow(x, y, alpha, r * n, n);
        }
    }

    /// <summary>x[r, :] *= scale·alpha[r], alpha one float64 per row. Items: rows.</summary>
    public static void Scale(Index1D t, WorkSplit s,
        ArrayView<float> x, ArrayView<double> alpha, float scale, ArrayView<int> active, int n)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int r = s.Item(t, j);
            if (r >= s.Count) return;
            if (IsInactive(active, r)) continue;
            float a = (float)(scale * alpha[r]);
            int row = r * n;
            for (int k = 0; k < n; k++)
                x[row + k] *= a;
        }
    }

    /// <summary>result[r] = Σₖ x[r, k]·y[r, k], accumulated in float64. Items: rows.</summary>
    public static void Dot(Index1D t, WorkSplit s,
        ArrayView<float> x, ArrayView<float> y, ArrayView<double> result, ArrayView<int> active, int n)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int r = s.Item(t, j);
            if (r >= s.Count) return;
            if (IsInactive(active, r)) continue;
            int row = r * n;
            double sum = 0.0;
            for (int k = 0; k < n; k++)
                sum += (double)x[row + k] * y[row + k];
            result[r] = sum;
        }
    }

    /// <summary>result[r] = √(Σₖ x[r, k]²), accumulated in float64. Items: rows.</summary>
    public static void NormL2(Index1D t, WorkSplit s,
        ArrayView<float> x, ArrayView<double> result, ArrayView<int> active, int n)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int r = s.Item(t, j);
            if (r >= s.Count) return;
            if (IsInactive(active, r)) continue;
            result[r] = XMath.Sqrt(RowSumOfSquares(x, r * n, n));
        }
    }

    /// <summary>x[r, k] = min(max(x[r, k], lo), hi), in place, with one box for every element. Items: rows.</summary>
    public static void Clamp(Index1D t, WorkSplit s,
        ArrayView<float> x, float lo, float hi, ArrayView<int> active, int n)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int r = s.Item(t, j);
            if (r >= s.Count) return;
            if (IsInactive(active, r)) continue;
            int row = r * n;
            for (int k = 0; k < n; k++)
                x[row + k] = ClampValue(x[row + k], lo, hi);
        }
    }

    /// <summary>
    /// result[r] = the index k of the largest x[r, k], the first one on ties (e.g. the predicted
    /// class of a row of logits); n must be at least 1. Items: rows.
    /// </summary>
    public static void ArgMax(Index1D t, WorkSplit s,
        ArrayView<float> x, ArrayView<int> result, ArrayView<int> active, int n)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int r = s.Item(t, j);
            if (r >= s.Count) return;
            if (IsInactive(active, r)) continue;
            RowMaximum.Find(x, r * n, n, out int best);
            result[r] = best;
        }
    }

    /// <summary>
    /// Stage one of Σᵢ x[i]: partials[t] = the float64 sum of thread t's items. partials needs
    /// <c>s.Threads</c> entries. Items: elements of x.
    /// </summary>
    public static void SumPartials(Index1D t, WorkSplit s, ArrayView<float> x, ArrayView<double> partials)
    {
        double sum = 0.0;
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int i = s.Item(t, j);
            if (i >= s.Count) break;
            sum += x[i];
        }
        partials[t] = sum;
    }

    /// <summary>
    /// Stage two: result[0] = scale·Σ partials[0 .. count) (+ result[0] when accumulate is 1, so
    /// several vectors can add into one total). scale 1/n turns a sum into a mean. Items: 1.
    /// </summary>
    public static void FinishSum(Index1D t, WorkSplit s,
        ArrayView<double> partials, ArrayView<double> result, int count, double scale, int accumulate)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int item = s.Item(t, j);
            if (item >= s.Count) return;
            double sum = 0.0;
            for (int i = 0; i < count; i++)
                sum += partials[i];
            result[0] = accumulate != 0 ? result[0] + scale * sum : scale * sum;
        }
    }

    private static bool IsInactive(ArrayView<int> active, int r) => active.Length > 0 && active[r] == 0;

    private static void AddRow(ArrayView<float> x, ArrayView<float> y, float a, int row, int n)
    {
        for (int k = 0; k < n; k++)
            y[row + k] += a * x[row + k];
    }

    private static double RowSumOfSquares(ArrayView<float> x, int row, int n)
    {
        double sum = 0.0;
        for (int k = 0; k < n; k++)
        {
            double v = x[row + k];
            sum += v * v;
        }
        return sum;
    }

    /// <summary>NaN stays NaN: neither comparison holds.</summary>
    private static float ClampValue(float v, float lo, float hi) => v < lo ? lo : v > hi ? hi : v;
}
