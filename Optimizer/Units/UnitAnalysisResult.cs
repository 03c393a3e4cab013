namespace IlgpuBlindSpots.Optimizer.Units;

/// <summary>Everything a <see cref="UnitAnalysis"/> found for one layer.</summary>
/// <param name="Layer">The analysed layer.</param>
/// <param name="Images">Images in the analysed set.</param>
/// <param name="Options">The settings it ran with.</param>
/// <param name="Natural">One outcome per natural direction, in unit order.</param>
/// <param name="Random">One outcome per random direction.</param>
/// <param name="Purity">Label purity, natural against random.</param>
/// <param name="Similarity">Mean pairwise cosine similarity of activations, natural against random.</param>
/// <param name="CenteredSimilarity">The same about the set's mean activation.</param>
public sealed record UnitAnalysisResult(UnitLayer Layer, int Images, UnitAnalysisOptions Options,
    IReadOnlyList<DirectionOutcome> Natural, IReadOnlyList<DirectionOutcome> Random,
    MeasureComparison Purity, MeasureComparison Similarity, MeasureComparison CenteredSimilarity);
