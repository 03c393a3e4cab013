using ILGPU;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// The bookkeeping of the minimal-norm attacks (C&amp;W, DDN, FMN): at every iterate, whether it
/// reaches its goal by the model's prediction, its squared L2 distance from the original, and the
/// smallest successful iterate so far. Shapes: logits [P, K]; adversarial, original, best [P, n];
/// labels, targets (−1: untargeted), squaredNorm, succeeded, everSucceeded, bestSquaredNorm [P].
/// </summary>
public static class BestAdversarial
{
    /// <summary>
    /// succeeded[p] = 1 when argmax z_p is the target (untargeted: not the label), else 0;
    /// everSucceeded[p] |= succeeded[p]; squaredNorm[p] = ‖x′_p − x_p‖² (summed in float64); and
    /// when the iterate succeeded with a squared norm below bestSquaredNorm[p], best[p, :] = x′_p and
    /// bestSquaredNorm[p] = that norm. Ties of the arg-max go to the lowest class, as in the
    /// project's prediction. The norm is <paramref name="norm"/>, <see cref="RowNorm.L2"/> or
    /// <see cref="RowNorm.LInf"/>: for the attacks that minimise the L∞ norm, squaredNorm[p] and
    /// bestSquaredNorm[p] hold ‖x′_p − x_p‖∞², so the smallest successful iterate is the one of
    /// smallest L∞ norm (the square keeps the order). Items: P rows.
    /// </summary>
    public static void Keep(Index1D t, WorkSplit s,
        ArrayView<float> logits, ArrayView<int> labels, ArrayView<int> targets,
        ArrayView<float> adversarial, ArrayView<float> original, ArrayView<float> squaredNorm,
        ArrayView<int> succeeded, ArrayView<int> everSucceeded, ArrayView<float> bestSquaredNorm,
        ArrayView<float> best, int classes, int n, int norm)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int p = s.Item(t, j);
            if (p >= s.Count) return;
            double size = RowNorm.Squared(norm, RowNorm.AccumulatePerturbation(norm, adversarial, original, p * n, n));
            Record(p, (float)size, logits, labels, targets, adversarial, squaredNorm, succeeded, everSucceeded, bestSquaredNorm, best, classes, n);
        }
    }

    /// <summary>Problem p's success by its logits, its size, and its best iterate if this one is a smaller success.</summary>
    private static void Record(int p, float size, ArrayView<float> logits, ArrayView<int> labels, ArrayView<int> targets,
        ArrayView<float> adversarial, ArrayView<float> squaredNorm, ArrayView<int> succeeded, ArrayView<int> everSucceeded,
        ArrayView<float> bestSquaredNorm, ArrayView<float> best, int classes, int n)
    {
        RowMaximum.Find(logits, p * classes, classes, out int predicted);
        bool reached = targets[p] >= 0 ? predicted == targets[p] : predicted != labels[p];
        squaredNorm[p] = size;
        succeeded[p] = reached ? 1 : 0;
        if (!reached) return;
        everSucceeded[p] = 1;
        if (!(size < bestSquaredNorm[p])) return;
        bestSquaredNorm[p] = size;
        int row = p * n;
        for (int k = 0; k < n; k++) best[row + k] = adversarial[row + k];
    }
}
