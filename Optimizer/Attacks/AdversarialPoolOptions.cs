using System.Globalization;

namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// Settings of an <see cref="AdversarialPool"/>: its size, how many examples are regenerated and
/// how often, the targets, and the attack that makes them.
/// </summary>
public sealed record AdversarialPoolOptions
{
    /// <summary>Adversarial examples the pool holds at most.</summary>
    public int Size { get; init; } = 2_000;

    /// <summary>Training examples attacked at each regeneration (one device batch of the attack).</summary>
    public int RefreshCount { get; init; } = 100;

    /// <summary>Training steps (batches) between regenerations; the first is before step 0.</summary>
    public int RefreshEvery { get; init; } = 40;

    /// <summary>The class each example is attacked towards.</summary>
    public PoolTarget Target { get; init; } = PoolTarget.Random;

    /// <summary>
    /// Where the examples are made: 0 perturbs the inputs; k &gt; 0 perturbs the outputs of the first
    /// k layers of the model, which must lie in [0, 1] (a sigmoid's), the box the attack searches,
    /// and the examples train the layers above k. The paper kept such a pool for every layer.
    /// </summary>
    public int Layer { get; init; }

    /// <summary>
    /// Successful attacks whose RMS distortion √(Σr²/n) exceeds this are not put into the pool
    /// (∞, the default, keeps every success). Unbounded, the pool follows the boundary as training
    /// pushes it out, until its examples sit among the other classes' data; a bound keeps to the
    /// imperceptible perturbations the paper is about.
    /// </summary>
    public double MaxDistortion { get; init; } = double.PositiveInfinity;

    /// <summary>Seed of the choice of examples, targets and replaced slots (mixed with the step).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>
    /// The minimal-perturbation attack, capped so that regeneration costs about as much as the
    /// training it feeds: at most 8 rounds of the search for c, stopped at a 25% bracket instead
    /// of 5%, each solve at most 20 L-BFGS steps. Every pool example is a successful attack on the
    /// model as it was when made; capping makes its perturbation larger than the minimum (on the
    /// MNIST dropout network of Bench/RESULTS.md, a mean RMS distortion of 0.110 over random targets
    /// during training, where the full search finds 0.076 towards the next class on the baseline).
    /// </summary>
    public LbfgsAttackOptions Attack { get; init; } = new()
    {
        MaxRounds = 8,
        WeightTolerance = 0.25,
        Solver = new LbfgsOptions { MaxIterations = 20, RelativeReductionTolerance = 1e-5 },
    };

    /// <summary>Throws a <see cref="BlindSpotsException"/> naming the first option out of range (by its command-line name).</summary>
    public void Validate()
    {
        if (Size < 1) Fail("--pool-size", Size, "a positive integer");
        if (Layer < 0) Fail("--pool-layers", Layer, "a layer position, 0 for the input");
        if (!(MaxDistortion > 0)) Fail("--pool-max-distortion", MaxDistortion, "a positive RMS distortion");
        if (RefreshCount < 1) Fail("--pool-refresh", RefreshCount, "COUNT/BATCHES with COUNT a positive integer");
        if (RefreshEvery < 1) Fail("--pool-refresh", RefreshEvery, "COUNT/BATCHES with BATCHES a positive integer");
        if (!Enum.IsDefined(Target)) Fail("--pool-target", Target, "random, next or any");
        ArgumentNullException.ThrowIfNull(Attack);
        Attack.Validate();
    }

    /// <summary>The settings that decide the pool's contents, one line (recorded in checkpoints and model files).</summary>
    public string Description => string.Create(CultureInfo.InvariantCulture,
        $"{(Layer > 0 ? $"layer={Layer} " : "")}size={Size} refresh={RefreshCount}/{RefreshEvery} target={Target.ToString().ToLowerInvariant()} seed={Seed} " +
        $"attack=lbfgs rounds<={Attack.MaxRounds} tolerance={Attack.WeightTolerance:R} iterations<={Attack.Solver.MaxIterations}" +
        $"{(double.IsPositiveInfinity(MaxDistortion) ? "" : " max-distortion=" + MaxDistortion.ToString("R", CultureInfo.InvariantCulture))}");

    private static void Fail(string option, object value, string expected) =>
        throw new BlindSpotsException($"{option} must be {expected}, got {value}");
}
