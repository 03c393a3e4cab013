namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>The classification loss an attack descends (<see cref="AttackLoss"/>).</summary>
public enum AttackLossKind
{
    /// <summary>
    /// The paper's cross-entropy: CE(f(x′), target) targeted, −log(1 − p_label(x′)) untargeted.
    /// </summary>
    CrossEntropy,
    /// <summary>
    /// Carlini and Wagner's margin on the logits, max(best rival − goal class, −κ) targeted and
    /// max(label − best rival, −κ) untargeted (<see cref="Kernels.MarginLoss"/>).
    /// </summary>
    Margin,
}
