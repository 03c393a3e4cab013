namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>Target classes for targeted attacks, one per example, each different from the example's label.</summary>
public static class TargetSelection
{
    /// <summary>
    /// For each example, a class drawn uniformly from the <paramref name="classes"/> − 1 classes other
    /// than its label, from <paramref name="seed"/> and the example's data-set index
    /// (<see cref="RandomFor"/>): an example gets the same target in any batch, shard or resumed run.
    /// </summary>
    public static int[] Random(IReadOnlyList<int> labels, IReadOnlyList<int> indices, int classes, int seed)
    {
        Check(labels, classes);
        ArgumentNullException.ThrowIfNull(indices);
        if (indices.Count != labels.Count)
            throw new BlindSpotsException($"{indices.Count} data-set indices for {labels.Count} labels");
        var targets = new int[labels.Count];
        for (int i = 0; i < targets.Length; i++)
            targets[i] = RandomFor(labels[i], indices[i], classes, seed);
        return targets;
    }

    /// <summary><see cref="Random(IReadOnlyList{int}, IReadOnlyList{int}, int, int)"/> of examples whose data-set indices are 0, 1, 2, ….</summary>
    public static int[] Random(IReadOnlyList<int> labels, int classes, int seed) =>
        Random(labels, Enumerable.Range(0, labels?.Count ?? 0).ToArray(), classes, seed);

    /// <summary>The random target of one example: a class other than <paramref name="label"/>, drawn from <paramref name="seed"/> and the example's data-set <paramref name="index"/>.</summary>
    public static int RandomFor(int label, int index, int classes, int seed)
    {
        if (classes < 2)
            throw new BlindSpotsException($"a targeted attack needs at least 2 classes, the model has {classes}");
        if ((uint)label >= (uint)classes)
            throw new BlindSpotsException($"label {label} of example {index} is outside the model's classes 0..{classes - 1}");
        return (label + 1 + ExampleRandom.ForTarget(seed, index).Next(classes - 1)) % classes;
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
