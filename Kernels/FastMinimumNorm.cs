using ILGPU;
using ILGPU.Algorithms;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// One step of the L2 Fast Minimum-Norm attack (Pintor et al. 2021, Algorithm 1) on P problems:
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
    /// </summary>
    public static void Step(Index1D t, WorkSplit s,
        ArrayView<float> adversarial, ArrayView<float> original, ArrayView<float> gradient,
        ArrayView<float> difference, ArrayView<int> succeeded, ArrayView<int> everSucceeded,
        ArrayView<float> bestSquaredNorm, ArrayView<float> epsilon, float alpha, float gamma, int n)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int p = s.Item(t, j);
            if (p >= s.Count) return;
            int row = p * n;
            double gNorm = XMath.Sqrt(L2BoxStep.SquaredNorm(gradient, row, n));
            double e = succeeded[p] != 0 ? XMath.Min(epsilon[p] * (1.0 - gamma), XMath.Sqrt((double)bestSquaredNorm[p]))
                : everSucceeded[p] != 0 ? epsilon[p] * (1.0 + gamma)
                : XMath.Sqrt(L2BoxStep.SquaredPerturbation(adversarial, original, row, n)) + XMath.Abs((double)difference[p]) / XMath.Max(gNorm, 1e-12);
            e = XMath.Min(e, XMath.Sqrt(L2BoxStep.FarthestCornerSquared(original, row, n)));
            epsilon[p] = (float)e;
            double a = gNorm > 0.0 ? alpha / gNorm : 0.0;
            double moved2 = L2BoxStep.SquaredStepped(adversarial, original, gradient, a, row, n);
            L2BoxStep.Move(adversarial, original, gradient, a, moved2 > e * e ? e / XMath.Sqrt(moved2) : 1.0, row, n);
        }
    }

    /// <summary>
    /// The L∞ variant of <see cref="Step"/> (Pintor et al. 2021, Algorithm 1 with p = ∞): the same
    /// radius rule with L∞ norms, where bestSquaredNorm holds ‖δ*‖∞² (<see cref="BestAdversarial.KeepLInf"/>)
    /// and the linearised distance to the boundary is |d|/‖g‖₁ (the dual norm); capped at
    /// ‖max(x, 1 − x)‖∞. The step is still α along g/‖g‖₂, as in the authors' code; then
    /// δ ← clamp(δ, −ε, ε), the projection onto the L∞ ball, and x′ ← clamp(x + δ, 0, 1). Items: P rows.
    /// </summary>
    public static void StepLInf(Index1D t, WorkSplit s,
        ArrayView<float> adversarial, ArrayView<float> original, ArrayView<float> gradient,
        ArrayView<float> difference, ArrayView<int> succeeded, ArrayView<int> everSucceeded,
        ArrayView<float> bestSquaredNorm, ArrayView<float> epsilon, float alpha, float gamma, int n)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int p = s.Item(t, j);
            if (p >= s.Count) return;
            int row = p * n;
            double e = succeeded[p] != 0 ? XMath.Min(epsilon[p] * (1.0 - gamma), XMath.Sqrt((double)bestSquaredNorm[p]))
                : everSucceeded[p] != 0 ? epsilon[p] * (1.0 + gamma)
                : LInfBoxStep.Norm(adversarial, original, row, n)
                    + XMath.Abs((double)difference[p]) / XMath.Max(LInfBoxStep.DualNorm(gradient, row, n), 1e-12);
            e = XMath.Min(e, LInfBoxStep.FarthestCorner(original, row, n));
            epsilon[p] = (float)e;
            double gNorm = XMath.Sqrt(L2BoxStep.SquaredNorm(gradient, row, n));
            LInfBoxStep.Move(adversarial, original, gradient, gNorm > 0.0 ? alpha / gNorm : 0.0, e, row, n);
        }
    }
}
