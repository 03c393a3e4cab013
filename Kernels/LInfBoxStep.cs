using ILGPU;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// The row-wise steps of the L∞ minimal-norm attack (<see cref="FastMinimumNorm.Step"/> with <see cref="RowNorm.LInf"/>) for one
/// problem's row [row, row + n) of x (original), x′ (adversarial) and g (gradient): the move
/// x′ ← clamp(x + clamp(x′ − x − a·g, −ε, ε), 0, 1), the step followed by the projection onto the
/// L∞ ball of radius ε and the clip into the box (its L∞ and L1 norms are <see cref="RowNorm"/>'s).
/// Called from inside kernels.
/// </summary>
internal static class LInfBoxStep
{
    /// <summary>x′ ← clamp(x + clamp(x′ − x − a·g, −ε, ε), 0, 1).</summary>
    public static void Move(ArrayView<float> adversarial, ArrayView<float> original, ArrayView<float> gradient,
        double a, double epsilon, int row, int n)
    {
        for (int k = 0; k < n; k++)
        {
            double x = original[row + k];
            double d = (double)adversarial[row + k] - x - a * gradient[row + k];
            d = d < -epsilon ? -epsilon : d > epsilon ? epsilon : d;
            double v = x + d;
            adversarial[row + k] = (float)(v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v);
        }
    }
}
