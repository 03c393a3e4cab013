using IlgpuBlindSpots.Network;

namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// What an attack must achieve on each example (Foolbox's criteria): a prediction other than the
/// label, or a given target class. A criterion turns the labels into goals: one target per example
/// per run, or −1 for "any class but the label".
/// </summary>
public abstract class Criterion
{
    private protected Criterion() { }

    /// <summary>
    /// The runs an attack makes: each a target per example (−1: untargeted). Throws a
    /// <see cref="BlindSpotsException"/> for a target that is the example's own label or not a class.
    /// Labels are already checked.
    /// </summary>
    internal abstract IReadOnlyList<int[]> Goals(IReadOnlyList<int> labels, int classes);

    /// <summary>Whether a prediction meets a goal: the target, or any class but the label when the target is −1.</summary>
    internal static bool Reached(int prediction, int label, int target) =>
        target < 0 ? prediction != label : prediction == target;
}

/// <summary>Untargeted: any class but the label.</summary>
public sealed class Misclassification : Criterion
{
    internal override IReadOnlyList<int[]> Goals(IReadOnlyList<int> labels, int classes) =>
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

    internal override IReadOnlyList<int[]> Goals(IReadOnlyList<int> labels, int classes)
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

/// <summary>Targeted, with a target drawn per example (<see cref="TargetSelection.Random"/>).</summary>
public sealed class RandomTarget(int seed) : Criterion
{
    /// <summary>Seeds the target draw: the same labels and seed give the same targets.</summary>
    public int Seed { get; } = seed;

    internal override IReadOnlyList<int[]> Goals(IReadOnlyList<int> labels, int classes) =>
        [TargetSelection.Random(labels, classes, Seed)];

    /// <summary>The criterion in words, for reports.</summary>
    public override string ToString() => $"random target (seed {Seed})";
}

/// <summary>Targeted at (label + 1) mod classes (<see cref="TargetSelection.Next"/>).</summary>
public sealed class NextClass : Criterion
{
    internal override IReadOnlyList<int[]> Goals(IReadOnlyList<int> labels, int classes) =>
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
    internal override IReadOnlyList<int[]> Goals(IReadOnlyList<int> labels, int classes)
    {
        if (classes < 2)
            throw new BlindSpotsException($"a targeted attack needs at least 2 classes, the model has {classes}");
        return Enumerable.Range(1, classes - 1).Select(shift => TargetSelection.Shifted(labels, classes, shift)).ToList();
    }

    /// <summary>The criterion in words, for reports.</summary>
    public override string ToString() => "every other class, smallest kept";
}
