using IlgpuBlindSpots.Network;

namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>Settings of <see cref="LbfgsAttack"/>: the search for the weight c, and each L-BFGS solve.</summary>
public sealed record LbfgsAttackOptions
{
    /// <summary>The first weight c of ‖r‖² tried (inputs in [0, 1], loss in nats).</summary>
    public double InitialWeight { get; init; } = 1;

    /// <summary>Factor by which c steps up after a success or down after a failure until both are seen.</summary>
    public double WeightFactor { get; init; } = 2;

    /// <summary>The search stops when the bracket [largest success, smallest failure] is within this ratio above 1.</summary>
    public double WeightTolerance { get; init; } = 0.05;

    /// <summary>
    /// Weights tried at once per example (K): each example is replicated K times with K weights
    /// from its bracket, so one round narrows the bracket (K + 1)-fold instead of 2-fold. 1 is the
    /// plain lock-step bisection. K &gt; 1 trades work for rounds: on a sigmoid MNIST network K = 2
    /// and 3 took 1.5 and 1.6 times the evaluations of K = 1 for the same distortion, so it pays
    /// only where a round's latency, not its work, is the cost (a GPU with the batch to spare).
    /// </summary>
    public int WeightsPerRound { get; init; } = 1;

    /// <summary>
    /// Run the weight search on the device, each problem moving its own c and restarting as soon as
    /// its solve ends (with one weight a round; K &gt; 1 always searches from the host in lock-step).
    /// Off: the host's lock-step search, one batched solve per round, for comparison. The same
    /// search either way, so results agree within float rounding.
    /// </summary>
    public bool SearchOnDevice { get; init; } = true;

    /// <summary>Rounds of the weight search at most (each one L-BFGS solve per weight).</summary>
    public int MaxRounds { get; init; } = 30;

    /// <summary>An example fails once c fell to this without a success.</summary>
    public double MinWeight { get; init; } = 1e-4;

    /// <summary>An example's search ends once c rose to this with successes only.</summary>
    public double MaxWeight { get; init; } = 1e6;

    /// <summary>
    /// Start each solve from the example's smallest successful x′ so far (else its latest solution)
    /// instead of from x.
    /// </summary>
    public bool WarmStart { get; init; } = true;

    /// <summary>
    /// Evaluate the model only on the problems still running (see <see cref="AdversarialObjective"/>).
    /// It costs one read-back of the running mask per evaluation: cheap on the CPU accelerator,
    /// where model rows dominate, but a host round trip per step on a GPU. Null (the default)
    /// compacts on the CPU accelerator only. Results are the same either way.
    /// </summary>
    public bool? CompactRunning { get; init; }

    /// <summary>The distance by which an example's successful perturbations are compared.</summary>
    public Distance Distance { get; init; } = Distance.Rms;

    /// <summary>Examples attacked together (times <see cref="WeightsPerRound"/> problems on the device).</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>
    /// Each solve's L-BFGS settings. The defaults stop a solve earlier than SciPy's (at most 50
    /// steps, relative reduction 1e-6 instead of about 2e-9): the verdict of a solve rarely changes
    /// after that, and on a sigmoid MNIST network it cut evaluations by a quarter at the same mean
    /// distortion (within 0.5%).
    /// </summary>
    public LbfgsOptions Solver { get; init; } = new() { MaxIterations = 50, RelativeReductionTolerance = 1e-6 };

    /// <summary>
    /// The classification loss of the objective: the paper's cross-entropy (the default) or
    /// Carlini and Wagner's margin on the logits, floored at −<see cref="Confidence"/>.
    /// </summary>
    public AttackLossKind Loss { get; init; } = AttackLossKind.CrossEntropy;

    /// <summary>κ of the margin loss: the margin past the boundary beyond which it stops rewarding.</summary>
    public double Confidence { get; init; }

    /// <summary>
    /// A refinement after the weight search, or null for none: each successful example's
    /// perturbation is scaled down to the decision boundary by a bisection and then shrunk by FMN's
    /// steps (<see cref="FmnAttack"/>; its InitSteps are ignored). Both only ever keep a smaller
    /// successful input.
    /// </summary>
    public FmnOptions? Refinement { get; init; }

    /// <summary>Throws a <see cref="BlindSpotsException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        if (!(InitialWeight > 0 && double.IsFinite(InitialWeight))) Fail(nameof(InitialWeight), InitialWeight, "positive");
        if (!(WeightFactor > 1 && double.IsFinite(WeightFactor))) Fail(nameof(WeightFactor), WeightFactor, "above 1");
        if (!(WeightTolerance > 0 && double.IsFinite(WeightTolerance))) Fail(nameof(WeightTolerance), WeightTolerance, "positive");
        if (WeightsPerRound < 1) Fail(nameof(WeightsPerRound), WeightsPerRound, "at least 1");
        if (MaxRounds < 1) Fail(nameof(MaxRounds), MaxRounds, "at least 1");
        if (!(MinWeight > 0 && MinWeight <= InitialWeight)) Fail(nameof(MinWeight), MinWeight, "positive and at most InitialWeight");
        if (!(MaxWeight >= InitialWeight && double.IsFinite(MaxWeight))) Fail(nameof(MaxWeight), MaxWeight, "finite and at least InitialWeight");
        if (!Enum.IsDefined(Distance)) Fail(nameof(Distance), Distance, "Rms, L2 or LInf");
        if (BatchSize < 1) Fail(nameof(BatchSize), BatchSize, "at least 1");
        if (!Enum.IsDefined(Loss)) Fail(nameof(Loss), Loss, "CrossEntropy or Margin");
        if (!(Confidence >= 0 && double.IsFinite(Confidence))) Fail(nameof(Confidence), Confidence, "0 or more");
        Refinement?.Validate();
        ArgumentNullException.ThrowIfNull(Solver);
        Solver.Validate();
    }

    private static void Fail(string name, object value, string range) =>
        throw new BlindSpotsException($"L-BFGS attack option {name} = {value} is out of range: it must be {range}");
}
