namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// What an attack must achieve on each example (Foolbox's criteria): a prediction other than the
/// label, or a given target class. A criterion turns the labels into goals: one target per example
/// per run, or −1 for "any class but the label"; and it judges each perturbed input by the model's
/// logits from a fresh forward pass.
/// </summary>
/// <remarks>
/// The extension point for a criterion of your own: derive from this class, override
/// <see cref="Goals"/> (what the attack searches for) and, for a stricter test of success than the
/// arg-max, <see cref="IsMet"/> (e.g. a confidence margin). Attacks search for the goals; the
/// criterion alone decides which attempts succeeded.
/// </remarks>
public abstract class Criterion
{
    /// <summary>For derived criteria.</summary>
    protected Criterion() { }

    /// <summary>
    /// The runs an attack makes: each a target per example (−1: untargeted). <paramref name="indices"/>
    /// are the examples' data-set indices, the seed of any random choice (<see cref="ExampleRandom"/>).
    /// Throw a <see cref="BlindSpotsException"/> for a target that is the example's own label or not a class.
    /// Labels are already checked.
    /// </summary>
    public abstract IReadOnlyList<int[]> Goals(IReadOnlyList<int> labels, IReadOnlyList<int> indices, int classes);

    /// <summary>
    /// Whether the model's <paramref name="logits"/> on a perturbed input (with their arg-max
    /// <paramref name="prediction"/>) meet the goal <paramref name="target"/> (−1: untargeted) of an
    /// example labelled <paramref name="label"/>. By default <see cref="Reached"/> of the prediction.
    /// </summary>
    public virtual bool IsMet(ReadOnlySpan<float> logits, int prediction, int label, int target) =>
        Reached(prediction, label, target);

    /// <summary>Whether a prediction meets a goal: the target, or any class but the label when the target is −1.</summary>
    public static bool Reached(int prediction, int label, int target) =>
        target < 0 ? prediction != label : prediction == target;
}

/// <summary>Untargeted: any class but the label.</summary>
public sealed class Misclassification : Criterion
{
    /// <inheritdoc/>
    public override IReadOnlyList<int[]> Goals(IReadOnlyList<int> labels, IReadOnlyList<int> indices, int classes) =>
        [Enumerable.Repeat(-1, labels.Count).ToArray()];

    /// <summary>The criterion in words, for reports.</summary>
    public override string ToString() => "misclassification";
}

/// <summary>Targeted: example i must be classified as <c>targets[i]</c>, which must differ from its label.</summary>
public sealed class TargetedMisclassification : Criterion
{
    private readonly int[] targets;

    /// <summary>Targets one per example, in batch order; each must be a class of the model other than the example's label (checked when the attack runs).</summary>
    public TargetedMisclassification(IReadOnlyList<int> targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        this.targets = targets.ToArray();
    }

    /// <summary>The target of each example, in batch order.</summary>
    public IReadOnlyList<int> Targets => targets;

    /// <inheritdoc/>
    public override IReadOnlyList<int[]> Goals(IReadOnlyList<int> labels, IReadOnlyList<int> indices, int classes)
    {
        if (targets.Length != labels.Count)
            throw new BlindSpotsException($"{targets.Length} targets for a batch of {labels.Count} examples");
        for (int i = 0; i < targets.Length; i++)
        {
            if ((uint)targets[i] >= (uint)classes)
                throw new BlindSpotsException($"target {targets[i]} of example {i} is outside the model's classes 0..{classes - 1}");
            if (targets[i] == labels[i])
                throw new BlindSpotsException($"target {targets[i]} of example {i} is its own label; a target must be another class");
        }
        return [(int[])targets.Clone()];
    }

    /// <summary>The criterion in words, for reports.</summary>
    public override string ToString() => "targeted misclassification";
}

/// <summary>Targeted, with a target drawn per example from the seed and its data-set index (<see cref="TargetSelection.Random(IReadOnlyList{int}, IReadOnlyList{int}, int, int)"/>).</summary>
public sealed class RandomTarget(int seed) : Criterion
{
    /// <summary>Seeds the target draw: the same example (label and data-set index) and seed give the same target.</summary>
    public int Seed { get; } = seed;

    /// <inheritdoc/>
    public override IReadOnlyList<int[]> Goals(IReadOnlyList<int> labels, IReadOnlyList<int> indices, int classes) =>
        [TargetSelection.Random(labels, indices, classes, Seed)];

    /// <summary>The criterion in words, for reports.</summary>
    public override string ToString() => $"random target (seed {Seed})";
}

/// <summary>Targeted at (label + 1) mod classes (<see cref="TargetSelection.Next"/>).</summary>
public sealed class NextClass : Criterion
{
    /// <inheritdoc/>
    public override IReadOnlyList<int[]> Goals(IReadOnlyList<int> labels, IReadOnlyList<int> indices, int classes) =>
        [TargetSelection.Next(labels, classes)];

    /// <summary>The criterion in words, for reports.</summary>
    public override string ToString() => "next class";
}

/// <summary>
/// Every class but the label, each attacked as a target; an example's result is its smallest
/// successful perturbation over all targets (by the attack's distance). Costs classes − 1 attacks.
/// </summary>
public sealed class EveryOtherClass : Criterion
{
    /// <inheritdoc/>
    public override IReadOnlyList<int[]> Goals(IReadOnlyList<int> labels, IReadOnlyList<int> indices, int classes)
    {
        if (classes < 2)
            throw new BlindSpotsException($"a targeted attack needs at least 2 classes, the model has {classes}");
        return Enumerable.Range(1, classes - 1).Select(shift => TargetSelection.Shifted(labels, classes, shift)).ToList();
    }

    /// <summary>The criterion in words, for reports.</summary>
    public override string ToString() => "every other class, smallest kept";
}

/// <summary>
/// Targeted at one class for every example. An example of that class has no goal: check
/// <see cref="Accepts"/> before attacking it (the attack refuses it).
/// </summary>
public sealed class TargetClass : Criterion
{
    /// <summary>Every example must be classified as <paramref name="target"/> (at least 0; checked against the model's classes when the attack runs).</summary>
    /// <exception cref="BlindSpotsException">The target is negative.</exception>
    public TargetClass(int target)
    {
        if (target < 0) throw new BlindSpotsException($"target class {target} is negative");
        Target = target;
    }

    /// <summary>The class every example is pushed to.</summary>
    public int Target { get; }

    /// <summary>Whether an example labelled <paramref name="label"/> has something to be pushed to: it is not of the target class.</summary>
    public bool Accepts(int label) => label != Target;

    /// <inheritdoc/>
    public override IReadOnlyList<int[]> Goals(IReadOnlyList<int> labels, IReadOnlyList<int> indices, int classes) =>
        new TargetedMisclassification(Enumerable.Repeat(Target, labels.Count).ToArray()).Goals(labels, indices, classes);

    /// <summary>The criterion in words, for reports.</summary>
    public override string ToString() => $"target class {Target}";
}
