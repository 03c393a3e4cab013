using ILGPU;
using ILGPU.Algorithms;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// One step of the Decoupled Direction and Norm attack (Rony et al. 2019, Algorithm 1) on P
/// problems: a step of length α along the normalised descent direction of the attack loss, then
/// the perturbation is rescaled to a norm ε that shrinks by (1 − γ) while the iterate is
/// adversarial and grows by (1 + γ) while it is not, and the result is clipped into [0, 1].
/// Shapes: adversarial (x′, in place), original, gradient [P, n]; succeeded, norm [P].
/// </summary>
public static class DecoupledDirectionNorm
{
    /// <summary>
    /// With δ = x′ − x and g the loss gradient at x′: δ ← δ − α·g/‖g‖ (no move when g = 0);
    /// ε ← ε·(1 − γ) if succeeded[p] else ε·(1 + γ), capped at ‖max(x, 1 − x)‖ (no point of the
    /// box is farther from x); δ ← ε·δ/‖δ‖ (δ = 0 stays 0); x′ ← clamp(x + δ, 0, 1). ε is
    /// updated in norm[p]. Norms are summed in float64. Items: P rows.
    /// </summary>
    public static void Step(Index1D t, WorkSplit s,
        ArrayView<float> adversarial, ArrayView<float> original, ArrayView<float> gradient,
        ArrayView<int> succeeded, ArrayView<float> norm, float alpha, float gamma, int n)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int p = s.Item(t, j);
            if (p >= s.Count) return;
            int row = p * n;
            double g2 = RowNorm.Accumulate(RowNorm.L2, gradient, row, n);
            double a = g2 > 0.0 ? alpha / XMath.Sqrt(g2) : 0.0;
            double d2 = L2BoxStep.SquaredStepped(adversarial, original, gradient, a, row, n);
            double epsilon = norm[p] * (succeeded[p] != 0 ? 1.0 - gamma : 1.0 + gamma);
            epsilon = XMath.Min(epsilon, RowNorm.Finish(RowNorm.L2, RowNorm.AccumulateFarthestCorner(RowNorm.L2, original, row, n)));
            norm[p] = (float)epsilon;
            L2BoxStep.Move(adversarial, original, gradient, a, d2 > 0.0 ? epsilon / XMath.Sqrt(d2) : 0.0, row, n);
        }
    }
}
