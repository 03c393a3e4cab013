using ILGPU;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// The row-wise steps of the L∞ minimal-norm attack (<see cref="FastMinimumNorm.StepLInf"/>) for one
/// problem's row [row, row + n) of x (original), x′ (adversarial) and g (gradient): the L∞ and L1
/// norms it needs, and the move x′ ← clamp(x + clamp(x′ − x − a·g, −ε, ε), 0, 1), the step followed by
/// the projection onto the L∞ ball of radius ε and the clip into the box. Called from inside kernels.
/// </summary>
internal static class LInfBoxStep
{
    /// <summary>‖x′ − x‖∞ = maxₖ |x′ₖ − xₖ|.</summary>
    public static double Norm(ArrayView<float> adversarial, ArrayView<float> original, int row, int n)
    {
        double largest = 0.0;
        for (int k = 0; k < n; k++)
        {
            double r = (double)adversarial[row + k] - original[row + k];
            double size = r < 0.0 ? -r : r;
            if (size > largest) largest = size;
        }
        return largest;
    }

    /// <summary>‖g‖₁ = Σₖ |gₖ|, in float64: the dual norm of L∞.</summary>
    public static double DualNorm(ArrayView<float> gradient, int row, int n)
    {
        double sum = 0.0;
        for (int k = 0; k < n; k++)
        {
            double g = gradient[row + k];
            sum += g < 0.0 ? -g : g;
        }
        return sum;
    }

    /// <summary>‖max(x, 1 − x)‖∞: no point of the box [0, 1]ⁿ is farther from x in L∞.</summary>
    public static double FarthestCorner(ArrayView<float> original, int row, int n)
    {
        double largest = 0.0;
        for (int k = 0; k < n; k++)
        {
            double x = original[row + k];
            double far = x > 0.5 ? x : 1.0 - x;
            if (far > largest) largest = far;
        }
        return largest;
    }

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
