using IlgpuBlindSpots.Network;

namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>Target classes for targeted attacks, one per example, each different from the example's label.</summary>
public static class TargetSelection
{
    /// <summary>
    /// A class drawn uniformly from the <paramref name="classes"/> − 1 classes other than each label,
    /// in example order from one generator seeded by <paramref name="seed"/>: the same labels and
    /// seed give the same targets.
    /// </summary>
    public static int[] Random(IReadOnlyList<int> labels, int classes, int seed)
    {
        Check(labels, classes);
        var rng = new System.Random(seed);
        var targets = new int[labels.Count];
        for (int i = 0; i < targets.Length; i++)
            targets[i] = (labels[i] + 1 + rng.Next(classes - 1)) % classes;
        return targets;
    }

    /// <summary>(label + 1) mod classes: a fixed target, so runs can be compared and repeated.</summary>
    public static int[] Next(IReadOnlyList<int> labels, int classes) => Shifted(labels, classes, 1);

    /// <summary>(label + shift) mod classes, for shift in 1 .. classes − 1.</summary>
    internal static int[] Shifted(IReadOnlyList<int> labels, int classes, int shift)
    {
        Check(labels, classes);
        var targets = new int[labels.Count];
        for (int i = 0; i < targets.Length; i++)
            targets[i] = (labels[i] + shift) % classes;
        return targets;
    }

    private static void Check(IReadOnlyList<int> labels, int classes)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (classes < 2)
            throw new BlindSpotsException($"a targeted attack needs at least 2 classes, the model has {classes}");
        for (int i = 0; i < labels.Count; i++)
            if ((uint)labels[i] >= (uint)classes)
                throw new BlindSpotsException($"label {labels[i]} of example {i} is outside the model's classes 0..{classes - 1}");
    }
}
