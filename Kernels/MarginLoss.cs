using ILGPU;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// The margin loss on the logits of Carlini and Wagner (2017), f₆: how far the class an attack must
/// reach trails the best rival, floored at −κ. Targeted (target t): d = max_{k≠t} z_k − z_t;
/// untargeted (label y, target −1): d = z_y − max_{k≠y} z_k. The loss is max(d, −κ): it is negative
/// once the goal is reached and stops rewarding a push beyond a margin of κ. With κ = +∞ it is the
/// plain logit difference d that FMN's step size needs.
/// Shapes: logits, dLogits [B, K]; labels, targets, loss [B].
/// </summary>
public static class MarginLoss
{
    /// <summary>
    /// loss[b] = max(d_b, −κ) and dLogits[b, :] its gradient: ±1 at the class the goal names and
    /// at its best rival while d_b &gt; −κ, 0 once the floor holds. Ties for the rival go to the
    /// lowest class. Items: B rows. Needs K ≥ 2.
    /// </summary>
    public static void LossAndGradient(Index1D t, WorkSplit s,
        ArrayView<float> logits, ArrayView<int> labels, ArrayView<int> targets, ArrayView<float> loss,
        ArrayView<float> dLogits, int classes, float kappa)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int b = s.Item(t, j);
            if (b >= s.Count) return;
            int row = b * classes;
            bool targeted = targets[b] >= 0;
            // The goal's own class: the target, which must rise, or the label, which must fall.
            int own = targeted ? targets[b] : labels[b];
            float sign = targeted ? -1f : 1f;
            int rival = own == 0 ? 1 : 0;
            for (int k = 0; k < classes; k++)
                if (k != own && logits[row + k] > logits[row + rival]) rival = k;
            float d = sign * (logits[row + own] - logits[row + rival]);
            bool floored = !(d > -kappa);
            loss[b] = floored ? -kappa : d;
            for (int k = 0; k < classes; k++) dLogits[row + k] = 0f;
            if (floored) continue;
            dLogits[row + own] = sign;
            dLogits[row + rival] = -sign;
        }
    }
}
