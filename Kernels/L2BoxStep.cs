using ILGPU;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// The row-wise steps the L2 minimal-norm attacks (<see cref="DecoupledDirectionNorm"/>,
/// <see cref="FastMinimumNorm"/>) share, for one problem's row [row, row + n) of x (original),
/// x′ (adversarial) and g (gradient): the squared length of a step, summed in float64, and the move
/// x′ ← clamp(x + scale·(x′ − x − a·g), 0, 1); norms of a row are <see cref="RowNorm"/>'s. Called
/// from inside their kernels, not launched.
/// </summary>
internal static class L2BoxStep
{
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
}
