namespace IlgpuBlindSpots.Optimizer.Analysis;

/// <summary>
/// The largest singular value (operator norm in L2) of one linear map as power iteration found it.
/// </summary>
/// <param name="Norm">The last estimate ‖A v‖ for a unit v: a lower estimate that rises towards the norm.</param>
/// <param name="Iterations">Products with A and Aᵀ taken.</param>
/// <param name="Converged">Whether the last relative change was within the tolerance before the iteration cap.</param>
/// <param name="LastRelativeChange">|σ_k − σ_{k−1}|/σ_k of the last iteration.</param>
public sealed record PowerIterationResult(double Norm, int Iterations, bool Converged, double LastRelativeChange);
