using ILGPU;
using ILGPU.Algorithms;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// One step of the Fast Minimum-Norm attack, L2 or L∞ (Pintor et al. 2021, Algorithm 1), on P problems:
/// the radius ε is adapted first (shrunk below the best norm while adversarial, grown while not,
/// or, before any success, set to the linearised distance to the boundary), then a step of length
/// α along the normalised descent direction of the logit difference, the projection onto the
/// ε-ball and the clip into [0, 1].
/// Shapes: adversarial (x′, in place), original, gradient [P, n]; difference (the logit difference
/// d, negative when adversarial), succeeded, everSucceeded, bestSquaredNorm, epsilon [P].
/// </summary>
public static class FastMinimumNorm
{
    /// <summary>
    /// With δ = x′ − x and g = ∇d at x′: ε ← min(ε·(1 − γ), √best) if succeeded[p]; else ε·(1 + γ)
    /// if everSucceeded[p]; else ‖δ‖ + |d|/‖g‖; capped at ‖max(x, 1 − x)‖. Then δ ← δ − α·g/‖g‖
    /// (no move when g = 0), δ ← δ·min(1, ε/‖δ‖), x′ ← clamp(x + δ, 0, 1). ε is updated in
    /// epsilon[p]. Norms are summed in float64. Items: P rows.
    /// With <paramref name="norm"/> <see cref="RowNorm.LInf"/>, the L∞ variant (Pintor et al. 2021,
    /// Algorithm 1 with p = ∞): the same radius rule with L∞ norms, where bestSquaredNorm holds
    /// ‖δ*‖∞² (<see cref="BestAdversarial.Keep"/> with the same norm) and the linearised distance to
    /// the boundary is |d|/‖g‖₁ (the dual norm); capped at ‖max(x, 1 − x)‖∞. The step is still α
    /// along g/‖g‖₂, as in the authors' code; then δ ← clamp(δ, −ε, ε), the projection onto the L∞
    /// ball, and x′ ← clamp(x + δ, 0, 1).
    /// </summary>
    public static void Step(Index1D t, WorkSplit s,
        ArrayView<float> adversarial, ArrayView<float> original, ArrayView<float> gradient,
        ArrayView<float> difference, ArrayView<int> succeeded, ArrayView<int> everSucceeded,
        ArrayView<float> bestSquaredNorm, ArrayView<float> epsilon, float alpha, float gamma, int n, int norm)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int p = s.Item(t, j);
            if (p >= s.Count) return;
            int row = p * n;
            double e = succeeded[p] != 0 ? XMath.Min(epsilon[p] * (1.0 - gamma), XMath.Sqrt((double)bestSquaredNorm[p]))
                : everSucceeded[p] != 0 ? epsilon[p] * (1.0 + gamma)
                : BoundaryDistance(norm, adversarial, original, gradient, difference[p], row, n);
            e = XMath.Min(e, RowNorm.Finish(norm, RowNorm.AccumulateFarthestCorner(norm, original, row, n)));
            epsilon[p] = (float)e;
            double gNorm = XMath.Sqrt(RowNorm.Accumulate(RowNorm.L2, gradient, row, n));
            double a = gNorm > 0.0 ? alpha / gNorm : 0.0;
            if (norm == RowNorm.LInf)
            {
                LInfBoxStep.Move(adversarial, original, gradient, a, e, row, n);
                continue;
            }
            double moved2 = L2BoxStep.SquaredStepped(adversarial, original, gradient, a, row, n);
            L2BoxStep.Move(adversarial, original, gradient, a, moved2 > e * e ? e / XMath.Sqrt(moved2) : 1.0, row, n);
        }
    }

    /// <summary>
    /// The linearised distance to the boundary from an iterate that never succeeded, ‖δ‖ + |d|/‖g‖
    /// with ‖g‖ the dual norm.
    /// </summary>
    private static double BoundaryDistance(int norm, ArrayView<float> adversarial, ArrayView<float> original,
        ArrayView<float> gradient, float difference, int row, int n)
    {
        int dual = RowNorm.Dual(norm);
        double gradientNorm = RowNorm.Finish(dual, RowNorm.Accumulate(dual, gradient, row, n));
        return RowNorm.Finish(norm, RowNorm.AccumulatePerturbation(norm, adversarial, original, row, n))
            + XMath.Abs((double)difference) / XMath.Max(gradientNorm, 1e-12);
    }
}
