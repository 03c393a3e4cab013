using ILGPU;
using ILGPU.Algorithms;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// The norms the minimal-norm attacks measure one problem's row [row, row + n) with, as a kernel
/// argument: <see cref="L2"/>, <see cref="LInf"/>, and <see cref="L1"/>, the dual norm of L∞ (the
/// linearised distance to the boundary divides by the dual norm of the gradient). A row is
/// accumulated in float64: an L2 accumulation is Σ v² (the squared norm, so that squared L2 sizes
/// need no root), an L∞ one maxₖ |vₖ|, an L1 one Σ |vₖ|; <see cref="Finish"/> makes it the norm.
/// Called from inside kernels, not launched.
/// </summary>
public static class RowNorm
{
    /// <summary>The norms: the Euclidean norm, the largest absolute value, the sum of absolute values.</summary>
    public const int L2 = 0, LInf = 1, L1 = 2;

    /// <summary>The norm whose ball the linearised step of a <paramref name="norm"/> attack measures the gradient with.</summary>
    internal static int Dual(int norm) => norm == LInf ? L1 : norm == L1 ? LInf : L2;

    /// <summary>The norm of a row from its accumulation.</summary>
    internal static double Finish(int norm, double accumulated) => norm == L2 ? XMath.Sqrt(accumulated) : accumulated;

    /// <summary>The squared norm of a row from its accumulation.</summary>
    internal static double Squared(int norm, double accumulated) => norm == L2 ? accumulated : accumulated * accumulated;

    /// <summary>The accumulation of v[row .. row + n).</summary>
    internal static double Accumulate(int norm, ArrayView<float> v, int row, int n)
    {
        double total = 0.0;
        for (int k = 0; k < n; k++) total = Add(norm, total, v[row + k]);
        return total;
    }

    /// <summary>The accumulation of x′ − x over the row: the perturbation as it stands.</summary>
    internal static double AccumulatePerturbation(int norm, ArrayView<float> adversarial, ArrayView<float> original, int row, int n)
    {
        double total = 0.0;
        for (int k = 0; k < n; k++) total = Add(norm, total, (double)adversarial[row + k] - original[row + k]);
        return total;
    }

    /// <summary>The accumulation of max(x, 1 − x) over the row: no point of the box [0, 1]ⁿ is farther from x.</summary>
    internal static double AccumulateFarthestCorner(int norm, ArrayView<float> original, int row, int n)
    {
        double total = 0.0;
        for (int k = 0; k < n; k++)
        {
            double x = original[row + k];
            total = Add(norm, total, x > 0.5 ? x : 1.0 - x);
        }
        return total;
    }

    private static double Add(int norm, double total, double v)
    {
        if (norm == L2) return total + v * v;
        double size = v < 0.0 ? -v : v;
        if (norm == L1) return total + size;
        return size > total ? size : total;
    }
}
