namespace IlgpuBlindSpots.Optimizer.Analysis;

/// <summary>
/// A per-example robustness certificate from a Lipschitz bound L of the logits map z = f(x) in L2:
/// no perturbation r with ‖r‖₂ &lt; margin/(√2·L) changes the label, where
/// margin = z_y − max_{k≠y} z_k.
/// </summary>
/// <remarks>
/// For k ≠ y let g_k(x) = z_y(x) − z_k(x) = (e_y − e_k)ᵀ f(x). Then
/// |g_k(x + r) − g_k(x)| ≤ ‖e_y − e_k‖₂·‖f(x + r) − f(x)‖₂ ≤ √2·L·‖r‖₂, so
/// g_k(x + r) ≥ g_k(x) − √2·L·‖r‖ ≥ margin − √2·L·‖r‖ &gt; 0 whenever ‖r‖ &lt; margin/(√2·L):
/// z_y stays strictly the largest logit. The √2 is ‖e_y − e_k‖₂, and it cannot be dropped: for
/// f = identity (L = 1) the perturbation r = (margin/2)·(e_k − e_y), of norm margin/√2, makes
/// z_y and z_k equal.
/// </remarks>
public static class CertifiedRadius
{
    /// <summary>z_y − max_{k≠y} z_k: positive when <paramref name="label"/> is the strict arg-max.</summary>
    public static double Margin(ReadOnlySpan<float> logits, int label)
    {
        if (logits.Length < 2)
            throw new ArgumentException($"a margin needs at least 2 logits, got {logits.Length}", nameof(logits));
        if ((uint)label >= (uint)logits.Length)
            throw new ArgumentOutOfRangeException(nameof(label), $"label {label} is not one of the {logits.Length} classes");
        double runnerUp = double.NegativeInfinity;
        for (int k = 0; k < logits.Length; k++)
            if (k != label)
                runnerUp = Math.Max(runnerUp, logits[k]);
        return logits[label] - runnerUp;
    }

    /// <summary>
    /// margin/(√2·<paramref name="lipschitz"/>): perturbations of smaller L2 norm keep
    /// <paramref name="label"/> the predicted class. 0 when the label is not the strict arg-max
    /// (or a logit is NaN): then nothing is certified.
    /// </summary>
    public static double Of(ReadOnlySpan<float> logits, int label, double lipschitz)
    {
        if (!(lipschitz > 0) || double.IsPositiveInfinity(lipschitz))
            throw new ArgumentOutOfRangeException(nameof(lipschitz), $"a Lipschitz bound must be positive and finite, got {lipschitz}");
        double margin = Margin(logits, label);
        return margin > 0 ? margin / (Math.Sqrt(2.0) * lipschitz) : 0.0;
    }
}
