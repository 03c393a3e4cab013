using IlgpuBlindSpots.Network;

namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// Projected gradient descent on the attack loss (Madry et al. 2017) within the ε-ball of
/// <see cref="Norm"/> around each input intersected with [0, 1]ⁿ: signed-gradient steps under L∞,
/// normalised-gradient steps under L2 (and RMS, the L2 ball of radius ε·√n), each followed by the
/// exact projection. The last iterate is the result.
/// </summary>
public sealed class PgdAttack : Attack
{
    /// <param name="norm">The ball: L∞, L2, or RMS (ε and the step then in RMS units).</param>
    /// <param name="epsilon">The ball's radius.</param>
    /// <param name="steps">Gradient steps.</param>
    /// <param name="stepSize">Step length in the norm's units; default 2.5·ε/steps (Madry et al.).</param>
    /// <param name="randomStart">Start from a point drawn uniformly from the ball (seeded per example) instead of x.</param>
    public PgdAttack(Distance norm, double epsilon, int steps = 40, double? stepSize = null, bool randomStart = true,
        int seed = 0, int batchSize = 256) : base(batchSize)
    {
        if (!Enum.IsDefined(norm))
            throw new BlindSpotsException($"PGD norm {norm} is not one of Rms, L2, LInf");
        if (!(epsilon >= 0 && double.IsFinite(epsilon)))
            throw new BlindSpotsException($"PGD epsilon {epsilon} is out of range: it must be 0 or more");
        if (steps < 1)
            throw new BlindSpotsException($"PGD steps {steps} is out of range: it must be at least 1");
        double step = stepSize ?? 2.5 * epsilon / steps;
        if (!(step >= 0 && double.IsFinite(step)))
            throw new BlindSpotsException($"PGD step size {step} is out of range: it must be 0 or more");
        Norm = norm;
        Epsilon = epsilon;
        Steps = steps;
        StepSize = step;
        RandomStart = randomStart;
        Seed = seed;
    }

    public Distance Norm { get; }
    public double Epsilon { get; }
    public int Steps { get; }
    public double StepSize { get; }
    public bool RandomStart { get; }
    public int Seed { get; }
    public override Distance Measure => Norm;

    private protected override void Perturb(AttackBatch batch, AttackLoss loss) =>
        GradientSteps.Run(batch, loss, Norm, Epsilon, StepSize, Steps, RandomStart, Seed);
}
