namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// The int fields of each problem's device weight search (<see cref="WeightSearchSteps"/>): the
/// rows of searchInt, field-major [<see cref="WeightSearchSteps.IntFields"/>, P], in this order.
/// The count is taken from the last member, TrialPrediction: a field added after it must be named there.
/// </summary>
public enum SearchIntField
{
    /// <summary>Solves finished (rounds of the search).</summary>
    Rounds,
    /// <summary>0 while searching, then the AttackStopReason value of why the search ended.</summary>
    Stop,
    /// <summary>1 once a solution reached the goal.</summary>
    Found,
    /// <summary>The solver's stop status of the kept (smallest) success.</summary>
    BestSolverStop,
    /// <summary>The solver's stop status of the latest solve.</summary>
    LatestSolverStop,
    /// <summary>Accepted L-BFGS steps over all solves.</summary>
    Iterations,
    /// <summary>Objective evaluations over all solves.</summary>
    Evaluations,
    /// <summary>The model's class at the current iterate x.</summary>
    Prediction,
    /// <summary>The model's class at the latest trial point, written by <see cref="WeightSearchSteps.TrialPredictions"/>.</summary>
    TrialPrediction,
}
