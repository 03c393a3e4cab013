using ILGPU;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// The row-wise steps the L2 minimal-norm attacks (<see cref="DecoupledDirectionNorm"/>,
/// <see cref="FastMinimumNorm"/>) share, for one problem's row [row, row + n) of x (original),
/// x′ (adversarial) and g (gradient): squared norms summed in float64, and the move
/// x′ ← clamp(x + scale·(x′ − x − a·g), 0, 1). Called from inside their kernels, not launched.
/// </summary>
internal static class L2BoxStep
{
    /// <summary>Σₖ g[row + k]², in float64.</summary>
    public static double SquaredNorm(ArrayView<float> g, int row, int n)
    {
        double sum = 0.0;
        for (int k = 0; k < n; k++) sum += (double)g[row + k] * g[row + k];
        return sum;
    }

    /// <summary>‖max(x, 1 − x)‖²: no point of the box [0, 1]ⁿ is farther from x.</summary>
    public static double FarthestCornerSquared(ArrayView<float> original, int row, int n)
    {
        double sum = 0.0;
        for (int k = 0; k < n; k++)
        {
            double x = original[row + k];
            double far = x > 0.5 ? x : 1.0 - x;
            sum += far * far;
        }
        return sum;
    }

    /// <summary>‖x′ − x − a·g‖²: the squared length of the perturbation after a step a along −g.</summary>
    public static double SquaredStepped(ArrayView<float> adversarial, ArrayView<float> original, ArrayView<float> gradient,
        double a, int row, int n)
    {
        double sum = 0.0;
        for (int k = 0; k < n; k++)
        {
            double d = (double)adversarial[row + k] - original[row + k] - a * gradient[row + k];
            sum += d * d;
        }
        return sum;
    }

    /// <summary>x′ ← clamp(x + scale·(x′ − x − a·g), 0, 1).</summary>
    public static void Move(ArrayView<float> adversarial, ArrayView<float> original, ArrayView<float> gradient,
        double a, double scale, int row, int n)
    {
        for (int k = 0; k < n; k++)
        {
            double x = original[row + k];
            double v = x + scale * ((double)adversarial[row + k] - x - a * gradient[row + k]);
            adversarial[row + k] = (float)(v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v);
        }
    }

    /// <summary>x′ − x's squared norm, the perturbation as it stands.</summary>
    public static double SquaredPerturbation(ArrayView<float> adversarial, ArrayView<float> original, int row, int n) =>
        SquaredStepped(adversarial, original, original, 0.0, row, n);
}
