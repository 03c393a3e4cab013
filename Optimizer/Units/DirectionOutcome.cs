namespace IlgpuBlindSpots.Optimizer.Units;

/// <summary>What one direction v picks: its top k images by ⟨φ(x), v⟩ and how coherent they are.</summary>
/// <param name="Kind">Natural (a unit) or random.</param>
/// <param name="Number">The unit i of eᵢ, or the random direction's number.</param>
/// <param name="Images">Row numbers of the top k images in the analysed set, best first.</param>
/// <param name="Labels">Their labels.</param>
/// <param name="Projections">Their projections ⟨φ(x), v⟩, largest first.</param>
/// <param name="Purity">Share of the k images carrying their most common label (<see cref="LabelPurity"/>).</param>
/// <param name="Similarity">Mean pairwise cosine similarity of their activation vectors (<see cref="GroupSimilarity"/>).</param>
/// <param name="CenteredSimilarity">The same about the set's mean activation, where unrelated images give about 0.</param>
/// <param name="Tied">
/// Whether all k projections are equal (a unit that is constant, e.g. dead or saturated, over its
/// best images): the images are then picked by the tie-break, not by the direction, and the
/// direction is left out of the statistics.
/// </param>
public sealed record DirectionOutcome(DirectionKind Kind, int Number, IReadOnlyList<int> Images, IReadOnlyList<int> Labels,
    IReadOnlyList<float> Projections, double Purity, double Similarity, double CenteredSimilarity, bool Tied);
