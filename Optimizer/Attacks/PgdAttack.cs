namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// Projected gradient descent on the attack loss (Madry et al. 2017) within the ε-ball of
/// <see cref="Norm"/> around each input intersected with [0, 1]ⁿ: signed-gradient steps under L∞,
/// normalised-gradient steps under L2 (and RMS, the L2 ball of radius ε·√n), each followed by the
/// exact projection. The last iterate is the result.
/// </summary>
public sealed class PgdAttack : Attack
{
    /// <summary>PGD in the ball of <paramref name="norm"/> and radius <paramref name="epsilon"/>.</summary>
    /// <param name="norm">The ball: L∞, L2, or RMS (ε and the step then in RMS units).</param>
    /// <param name="epsilon">The ball's radius.</param>
    /// <param name="steps">Gradient steps.</param>
    /// <param name="stepSize">Step length in the norm's units; default 2.5·ε/steps (Madry et al.).</param>
    /// <param name="randomStart">Start from a point drawn uniformly from the ball (seeded per example) instead of x.</param>
    /// <param name="seed">Seeds the random start together with each example's index.</param>
    /// <param name="batchSize">Examples attacked together on the device.</param>
    /// <exception cref="BlindSpotsException">The norm is unknown, ε or the step is negative or not finite, or steps or the batch size is below 1.</exception>
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

    /// <summary>The norm of the ball.</summary>
    public Distance Norm { get; }
    /// <summary>The ball's radius ε, in <see cref="Norm"/>'s units.</summary>
    public double Epsilon { get; }
    /// <summary>Gradient steps per example.</summary>
    public int Steps { get; }
    /// <summary>Length of each step, in <see cref="Norm"/>'s units.</summary>
    public double StepSize { get; }
    /// <summary>Whether each example starts from a random point of the ball instead of itself.</summary>
    public bool RandomStart { get; }
    /// <summary>Seeds the random start together with each example's index.</summary>
    public int Seed { get; }
    /// <summary>The ball's norm.</summary>
    public override Distance Measure => Norm;

    /// <inheritdoc/>
    protected override void Search(AttackBatch batch, AttackLoss loss) =>
        GradientSteps.Run(batch, loss, Norm, Epsilon, StepSize, Steps, RandomStart, Seed);
}
