using ILGPU;
using ILGPU.Algorithms;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// The objective of the minimal-perturbation attack (Szegedy et al. 2013, section 4.1) on a batch of
/// P independent problems, one adversarial input x′ per row: c·‖x′ − x‖² plus a classification loss
/// of the model at x′, and its gradient with respect to x′. The model's own forward and backward
/// passes supply the loss and its input gradient; these kernels add the rest.
/// Shapes: x′ (adversarial), x (original), gradient [P, n]; weights c, value [P]; logits [B, K];
/// labels, loss [B]; lossGradient [B, n], where B is the model's batch (P, or fewer when only the
/// problems still running are evaluated, see <see cref="AddDistancePenalty"/>).
/// </summary>
public static class AttackObjective
{
    /// <summary>
    /// The untargeted attack loss: loss[b] = −log(1 − softmax(z[b])[label[b]]), the cross-entropy of
    /// the event "the class is not the label", and dZ[b, :] its gradient. It falls to 0 as the
    /// label's probability does, so the attack objective stays bounded below, unlike −CE(label).
    /// Items: B rows.
    /// </summary>
    /// <remarks>
    /// With y the label, m the largest other logit and o = Σ_{k≠y} e^(z_k − m) (at least 1),
    /// loss = softplus(d) for d = z_y − m − log o, and p_y = sigmoid(d); the gradient is
    /// dZ_y = p_y and dZ_k = −p_y·q_k for k ≠ y, q_k = e^(z_k − m)/o the softmax over the other
    /// classes. Both forms are free of cancellation at any logit size. Needs K ≥ 2; a label
    /// outside [0, K) gives a NaN loss.
    /// </remarks>
    public static void AvoidLabelLossAndGradient(Index1D t, WorkSplit s,
        ArrayView<float> logits, ArrayView<int> labels, ArrayView<float> loss, ArrayView<float> dLogits, int classes)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int b = s.Item(t, j);
            if (b >= s.Count) return;
            int row = b * classes, y = labels[b];
            if (y < 0 || y >= classes)
            {
                loss[b] = float.NaN;
                for (int k = 0; k < classes; k++) dLogits[row + k] = float.NaN;
                continue;
            }
            float m = float.NegativeInfinity;
            for (int k = 0; k < classes; k++)
                if (k != y && logits[row + k] > m) m = logits[row + k];
            float o = 0f;
            for (int k = 0; k < classes; k++)
                if (k != y) o += XMath.Exp(logits[row + k] - m);
            float d = logits[row + y] - m - XMath.Log(o);
            loss[b] = Softplus(d);
            float py = Sigmoid(d);
            float scale = py / o;
            for (int k = 0; k < classes; k++)
                dLogits[row + k] = k == y ? py : -scale * XMath.Exp(logits[row + k] - m);
        }
    }

    /// <summary>
    /// value[p] = loss[i] + c[p]·Σₖ (x′[p, k] − x[p, k])² and
    /// gradient[p, :] = lossGradient[i, :] + 2c[p]·(x′[p, :] − x[p, :]) for model row i and problem
    /// p = rows[i], or p = i when rows is empty (the model ran on all P rows). Problems whose
    /// <c>active</c> flag is 0 are skipped (pass an empty view for all). Items: the model rows that
    /// hold a problem, so a padded model batch is launched over its first rows only.
    /// The sum of squares is accumulated in float64.
    /// </summary>
    public static void AddDistancePenalty(Index1D t, WorkSplit s,
        ArrayView<float> adversarial, ArrayView<float> original, ArrayView<float> weights,
        ArrayView<float> loss, ArrayView<float> lossGradient, ArrayView<int> rows, ArrayView<int> active,
        ArrayView<float> value, ArrayView<float> gradient, int n)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int i = s.Item(t, j);
            if (i >= s.Count) return;
            int p = rows.Length > 0 ? rows[i] : i;
            if (active.Length > 0 && active[p] == 0) continue;
            float c = weights[p], twoC = 2f * c;
            int row = p * n, modelRow = i * n;
            double sum = 0.0;
            for (int k = 0; k < n; k++)
            {
                float r = adversarial[row + k] - original[row + k];
                sum += (double)r * r;
                gradient[row + k] = lossGradient[modelRow + k] + twoC * r;
            }
            value[p] = (float)(loss[i] + c * sum);
        }
    }

    /// <summary>
    /// <see cref="AddDistancePenalty"/> with a thread group per model row, for GPUs: lane j of row
    /// i's group takes elements j, j + G, … (coalesced), and the sum of squares is a deterministic
    /// tree over the lanes (<see cref="GroupReduction"/>). Launch: explicitly grouped, grid = the
    /// model rows that hold a problem, G a power of two at most <see cref="GroupReduction.MaxLanes"/>.
    /// n is the length of original over that of weights (an int parameter would not make the kernel
    /// a struct-only explicitly grouped one), so both must be the whole [P, n] and [P].
    /// </summary>
    public static void AddDistancePenaltyByGroup(ArrayView<float> adversarial, ArrayView<float> original, ArrayView<float> weights,
        ArrayView<float> loss, ArrayView<float> lossGradient, ArrayView<int> rows, ArrayView<int> active,
        ArrayView<float> value, ArrayView<float> gradient)
    {
        var scratch = SharedMemory.Allocate<double>(3 * GroupReduction.MaxLanes);
        int i = Grid.IdxX, n = original.IntLength / weights.IntLength;
        int p = rows.Length > 0 ? rows[i] : i;
        // Uniform over the group: every lane skips a stopped problem, so no barrier is left waiting.
        if (active.Length > 0 && active[p] == 0) return;
        float c = weights[p], twoC = 2f * c;
        int row = p * n, modelRow = i * n;
        double sum = 0.0;
        for (int k = Group.IdxX; k < n; k += Group.DimX)
        {
            float r = adversarial[row + k] - original[row + k];
            sum += (double)r * r;
            gradient[row + k] = lossGradient[modelRow + k] + twoC * r;
        }
        sum = GroupReduction.Sum(scratch, sum);
        if (Group.IdxX == 0) value[p] = (float)(loss[i] + c * sum);
    }

    /// <summary>log(1 + e^d) without overflow, and without losing a tiny result to rounding.</summary>
    private static float Softplus(float d) =>
        d > 0f ? d + Log1p(XMath.Exp(-d)) : Log1p(XMath.Exp(d));

    private static float Sigmoid(float d)
    {
        if (d >= 0f) return 1f / (1f + XMath.Exp(-d));
        float e = XMath.Exp(d);
        return e / (1f + e);
    }

    /// <summary>log(1 + r) = r·log(1 + r)/((1 + r) − 1): the rounding of 1 + r cancels out of the ratio.</summary>
    private static float Log1p(float r)
    {
        float u = 1f + r;
        return u == 1f ? r : XMath.Log(u) * (r / (u - 1f));
    }
}
