using ILGPU;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// One step of DeepFool (Moosavi-Dezfooli et al. 2016) towards the boundary of an attack's goal, on
/// P problems, inside the box [0, 1]: the step that reaches the linearised boundary, a factor
/// (1 + η) past it. Values the box holds are left out of the linearisation: a value at 0 whose step
/// would lower it, or at 1 whose step would raise it, cannot move, so the other values must carry
/// the whole step (with them left in, the clip removes part of every step and the iterate creeps
/// towards the boundary without crossing it).
/// Shapes: adversarial (x′, in place), gradient [P, n]; difference (the logit difference d of
/// <see cref="MarginLoss"/> with κ = +∞, positive while the goal is not reached), succeeded [P].
/// </summary>
public static class DeepFool
{
    /// <summary>
    /// DeepFool's term for the smallest move: the step aims at a logit difference of −10⁻⁴ rather than
    /// 0 (its authors' code), so that an iterate tied with its rival still moves.
    /// </summary>
    public const double MarginFloor = 1e-4;

    /// <summary>
    /// With g = ∇d at x′ and F the values free to move (not x′ = 0 with g &gt; 0, not x′ = 1 with
    /// g &lt; 0): x′ ← clamp(x′ − r·g, 0, 1) with r = (max(d, 0) + 10⁻⁴)·(1 + η)/Σ_{k∈F} g_k². A
    /// problem whose iterate reached its goal (succeeded[p]) or with no free gradient stays.
    /// Sums in float64. Items: P rows.
    /// </summary>
    public static void Step(Index1D t, WorkSplit s, ArrayView<float> adversarial, ArrayView<float> gradient,
        ArrayView<float> difference, ArrayView<int> succeeded, float overshoot, int n)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int p = s.Item(t, j);
            if (p >= s.Count) return;
            if (succeeded[p] != 0) continue;
            int row = p * n;
            double free = FreeSquaredNorm(adversarial, gradient, row, n);
            if (!(free > 0.0)) continue;
            double d = difference[p];
            double r = ((d > 0.0 ? d : 0.0) + MarginFloor) * (1.0 + overshoot) / free;
            for (int k = 0; k < n; k++)
            {
                double v = adversarial[row + k] - r * gradient[row + k];
                adversarial[row + k] = (float)(v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v);
            }
        }
    }

    /// <summary>Σ g_k² over the values of the row that a step along −g can move.</summary>
    private static double FreeSquaredNorm(ArrayView<float> adversarial, ArrayView<float> gradient, int row, int n)
    {
        double sum = 0.0;
        for (int k = 0; k < n; k++)
        {
            float g = gradient[row + k], x = adversarial[row + k];
            bool held = (x <= 0f && g > 0f) || (x >= 1f && g < 0f);
            if (!held) sum += (double)g * g;
        }
        return sum;
    }
}
