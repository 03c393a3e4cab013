using IlgpuBlindSpots.Optimizer.Statistics;

namespace IlgpuBlindSpots.Optimizer.Units;

/// <summary>
/// One measure (label purity or activation similarity) over natural and random directions: each
/// group's mean with its confidence interval, the level random image groups reach, and two tests
/// of "natural and random directions pick equally coherent images".
/// </summary>
/// <param name="Measure">What is measured, e.g. <c>label purity</c>.</param>
/// <param name="Natural">Mean and interval over the natural directions (tied ones left out).</param>
/// <param name="Random">Mean and interval over the random directions (tied ones left out).</param>
/// <param name="RandomImages">Mean and interval over groups of k images drawn at random: the chance level.</param>
/// <param name="Welch">Welch's t-test of natural against random (difference = natural − random).</param>
/// <param name="PermutationP">Two-sided permutation-test p-value of the same difference.</param>
public sealed record MeasureComparison(string Measure, MeanInterval Natural, MeanInterval Random, MeanInterval RandomImages,
    WelchTest Welch, double PermutationP);
