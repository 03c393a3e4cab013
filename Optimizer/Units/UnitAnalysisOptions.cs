namespace IlgpuBlindSpots.Optimizer.Units;

/// <summary>Settings of a <see cref="UnitAnalysis"/>.</summary>
public sealed class UnitAnalysisOptions
{
    /// <summary>Random directions, and natural ones (units) when the layer has at least as many units.</summary>
    public int Directions { get; init; } = 100;

    /// <summary>Images k kept per direction.</summary>
    public int Top { get; init; } = 8;

    /// <summary>Seed of the random directions, of the subset of units, of the random image groups and of the permutation test.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Images per forward pass.</summary>
    public int BatchSize { get; init; } = 1000;

    /// <summary>Groups of k images drawn at random: the level of purity and similarity that chance alone gives.</summary>
    public int RandomImageGroups { get; init; } = 1000;

    /// <summary>Relabellings of the permutation test.</summary>
    public int Permutations { get; init; } = 10_000;

    /// <summary>Confidence level of the intervals.</summary>
    public double Confidence { get; init; } = 0.95;

    /// <summary>Throws a <see cref="BlindSpotsException"/> naming the first setting out of range for a set of <paramref name="images"/> images.</summary>
    public void Validate(int images)
    {
        if (Directions < 2) throw new BlindSpotsException($"--directions must be at least 2 (an interval needs two values), got {Directions}");
        if (Top < 2) throw new BlindSpotsException($"--top must be at least 2 (similarity is over pairs of images), got {Top}");
        if (Top > images) throw new BlindSpotsException($"--top {Top} is more than the {images} images of the set");
        if (BatchSize < 1) throw new BlindSpotsException($"--batch must be a positive integer, got {BatchSize}");
        if (RandomImageGroups < 2) throw new BlindSpotsException($"random image groups must be at least 2, got {RandomImageGroups}");
        if (Permutations < 1) throw new BlindSpotsException($"permutations must be at least 1, got {Permutations}");
        if (!(Confidence > 0 && Confidence < 1)) throw new BlindSpotsException($"confidence must be in (0, 1), got {Confidence}");
    }
}
