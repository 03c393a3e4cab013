namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// The fast gradient sign method (Goodfellow et al. 2014): one step x′ = clip(x − ε·sign(∇loss), 0, 1)
/// down the attack loss (towards the target, or away from the label), so ‖x′ − x‖∞ ≤ ε.
/// </summary>
public sealed class FgsmAttack : Attack
{
    /// <summary>FGSM with budget (and step) <paramref name="epsilon"/>, in pixel units of the box [0, 1].</summary>
    /// <param name="epsilon">The L∞ budget ε ≥ 0.</param>
    /// <param name="batchSize">Examples attacked together on the device.</param>
    /// <exception cref="BlindSpotsException">ε is negative or not finite, or the batch size is below 1.</exception>
    public FgsmAttack(double epsilon, int batchSize = 256) : base(batchSize)
    {
        if (!(epsilon >= 0 && double.IsFinite(epsilon)))
            throw new BlindSpotsException($"FGSM epsilon {epsilon} is out of range: it must be 0 or more");
        Epsilon = epsilon;
    }

    /// <summary>The L∞ budget, which is also the step.</summary>
    public double Epsilon { get; }
    /// <summary>L∞, the norm of the budget.</summary>
    public override Distance Measure => Distance.LInf;

    /// <inheritdoc/>
    protected override void Search(AttackBatch batch, AttackLoss loss) =>
        GradientSteps.Run(batch, loss, Distance.LInf, Epsilon, Epsilon, steps: 1, randomStart: false, seed: 0);
}
