using ILGPU;
using ILGPU.Algorithms;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// Softmax and the cross-entropy loss of integer class labels, fused so that the gradient with
/// respect to the logits is the simple <c>softmax − onehot</c>.
/// Shapes: logits z [B, K], labels [B] (class indices), probabilities [B, K], loss [B], dZ [B, K].
/// A work item is one row (one example): its K logits are read two or three times, which stays in
/// cache for the class counts of this project.
/// </summary>
/// <remarks>
/// Every row is shifted by its maximum before exponentiating, so no logit overflows e^x, however
/// large (±1000 is fine). The loss is computed as logsumexp(z) − z[label] in the form
/// (max − z[label]) + log1p(Σ_{k≠argmax} e^(z_k − max)), which keeps its relative precision when it
/// is tiny (a confidently right prediction, as an attack nears its target); the gradient is written
/// with the same care, so <c>p − 1</c> does not cancel. To reduce the per-example losses to the
/// mean, use <see cref="VectorOps.SumPartials"/> and <see cref="VectorOps.FinishSum"/> with scale 1/B.
/// A label outside [0, K) cannot raise an error inside a kernel: its loss is NaN (which then shows
/// in any reported mean) and its gradient lacks the one-hot term; the data loader validates labels.
/// </remarks>
public static class SoftmaxCrossEntropy
{
    /// <summary>
    /// probs[b, k] = e^(z[b, k] − max_b) / Σⱼ e^(z[b, j] − max_b). probs may be the same view as
    /// logits. Items: B rows.
    /// </summary>
    public static void Softmax(Index1D t, WorkSplit s,
        ArrayView<float> logits, ArrayView<float> probs, int classes)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int b = s.Item(t, j);
            if (b >= s.Count) return;
            int row = b * classes;
            float max = RowMaximum.Find(logits, row, classes, out _);
            float sum = 0f;
            for (int k = 0; k < classes; k++)
                sum += XMath.Exp(logits[row + k] - max);
            float inv = 1f / sum;
            for (int k = 0; k < classes; k++)
                probs[row + k] = XMath.Exp(logits[row + k] - max) * inv;
        }
    }

    /// <summary>loss[b] = −log softmax(z[b])[label[b]], without a gradient (evaluation). Items: B rows.</summary>
    public static void Loss(Index1D t, WorkSplit s,
        ArrayView<float> logits, ArrayView<int> labels, ArrayView<float> loss, int classes)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int b = s.Item(t, j);
            if (b >= s.Count) return;
            int row = b * classes;
            float max = RowMaximum.Find(logits, row, classes, out int argmax);
            float rest = SumExpExcept(logits, row, classes, max, argmax);
            loss[b] = RowLoss(logits, row, classes, labels[b], max, rest);
        }
    }

    /// <summary>
    /// loss[b] = −log softmax(z[b])[label[b]] and dZ[b, k] = scale·(softmax(z[b])[k] − [k = label[b]]).
    /// scale is 1/B when the mean loss is minimised (training), 1 when each example's own loss is
    /// (a batch of independent attack problems). dZ may be the same view as logits: a row's logits
    /// are all read before its gradient is written. Items: B rows.
    /// </summary>
    public static void LossAndGradient(Index1D t, WorkSplit s,
        ArrayView<float> logits, ArrayView<int> labels, ArrayView<float> loss, ArrayView<float> dLogits,
        int classes, float scale)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int b = s.Item(t, j);
            if (b >= s.Count) return;
            int row = b * classes;
            int label = labels[b];
            float max = RowMaximum.Find(logits, row, classes, out int argmax);
            float rest = SumExpExcept(logits, row, classes, max, argmax);
            loss[b] = RowLoss(logits, row, classes, label, max, rest);

            // softmax: p_argmax = 1/(1 + rest), p_k = e^(z_k − max)/(1 + rest) otherwise.
            float inv = 1f / (1f + rest);
            for (int k = 0; k < classes; k++)
            {
                float g;
                if (k == argmax)
                    // p − 1 = −rest/(1 + rest): exact where 1/(1 + rest) − 1 would cancel.
                    g = k == label ? -rest * inv : inv;
                else
                    g = XMath.Exp(logits[row + k] - max) * inv - (k == label ? 1f : 0f);
                dLogits[row + k] = scale * g;
            }
        }
    }

    /// <summary>Σ_{k≠argmax} e^(z_k − max): the row's softmax denominator minus the max's own 1.</summary>
    private static float SumExpExcept(ArrayView<float> z, int row, int classes, float max, int argmax)
    {
        float rest = 0f;
        for (int k = 0; k < classes; k++)
            if (k != argmax)
                rest += XMath.Exp(z[row + k] - max);
        return rest;
    }

    /// <summary>(max − z[label]) + log1p(rest), or NaN for a label outside [0, K).</summary>
    private static float RowLoss(ArrayView<float> z, int row, int classes, int label, float max, float rest)
    {
        if (label < 0 || label >= classes) return float.NaN;
        // log1p(r) = r·log(1 + r)/((1 + r) − 1): the rounding of 1 + r cancels out of the ratio.
        float u = 1f + rest;
        float log1p = u == 1f ? rest : XMath.Log(u) * (rest / (u - 1f));
        return (max - z[row + label]) + log1p;
    }
}
