namespace IlgpuBlindSpots.Optimizer.Analysis;

/// <summary>Stopping rule and start of the power iterations behind every spectral norm and Fourier bound.</summary>
public sealed record PowerIterationOptions
{
    /// <summary>
    /// A problem stops once its estimate σ changed by at most this fraction of σ in one iteration.
    /// Power iteration approaches the largest singular value from below at a rate set by the gap to
    /// the next one, so where that gap is small (random matrices) the estimate can sit further below
    /// the true value than the last change: see <see cref="PowerIterationResult.LastRelativeChange"/>.
    /// </summary>
    public double Tolerance { get; init; } = 1e-6;

    /// <summary>Iterations after which a problem stops unconverged.</summary>
    public int MaxIterations { get; init; } = 2000;

    /// <summary>Seed of the pseudo-random start vectors: the same seed gives the same iterates.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Throws a <see cref="BlindSpotsException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        if (!(Tolerance > 0 && Tolerance < 1))
            throw new BlindSpotsException($"power iteration option Tolerance = {Tolerance} is out of range: it must be in (0, 1)");
        if (MaxIterations < 1)
            throw new BlindSpotsException($"power iteration option MaxIterations = {MaxIterations} is out of range: it must be at least 1");
    }
}
