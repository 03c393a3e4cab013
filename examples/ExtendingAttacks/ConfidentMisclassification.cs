using IlgpuBlindSpots.Optimizer.Attacks;

namespace IlgpuBlindSpots.ExtendingAttacks;

/// <summary>
/// A custom criterion: any class but the label, and by a margin: the best other logit must exceed
/// the label's by at least <paramref name="margin"/>. The attacks search as for
/// <see cref="Misclassification"/>; only this criterion decides which attempts count.
/// </summary>
public sealed class ConfidentMisclassification(float margin) : Criterion
{
    /// <summary>One untargeted goal per example (−1).</summary>
    public override IReadOnlyList<int[]> Goals(IReadOnlyList<int> labels, IReadOnlyList<int> indices, int classes) =>
        [Enumerable.Repeat(-1, labels.Count).ToArray()];

    /// <summary>Whether another class's logit beats the label's by the margin.</summary>
    public override bool IsMet(ReadOnlySpan<float> logits, int prediction, int label, int target)
    {
        float best = float.NegativeInfinity;
        for (int k = 0; k < logits.Length; k++)
            if (k != label) best = Math.Max(best, logits[k]);
        return best - logits[label] >= margin;
    }

    /// <summary>The criterion in words.</summary>
    public override string ToString() => $"misclassification by a logit margin of {margin}";
}
