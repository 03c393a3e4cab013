namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// The weight search of the L-BFGS attack for one batch, passed by value to every
/// <see cref="WeightSearchSteps"/> kernel: sizes, the search's constants and how sizes are measured.
/// </summary>
public readonly struct WeightSearchSettings
{
    /// <summary>P: problems (examples) of the batch.</summary>
    public readonly int Problems;
    /// <summary>n: values per input.</summary>
    public readonly int Dimension;
    /// <summary>The first weight c tried.</summary>
    public readonly double InitialWeight;
    /// <summary>The factor c steps up by after a success, down by after a failure, until both are seen.</summary>
    public readonly double Factor;
    /// <summary>The search ends once the bracket's hi/lo is at most 1 + this.</summary>
    public readonly double Tolerance;
    /// <summary>Failing at or below this with no success ends the search.</summary>
    public readonly double MinWeight;
    /// <summary>Succeeding at or above this with no failure ends the search.</summary>
    public readonly double MaxWeight;
    /// <summary>Solves of one problem at most.</summary>
    public readonly int MaxRounds;
    /// <summary>How perturbations are compared: <see cref="WeightSearchSteps.DistanceRms"/>, L2 or LInf.</summary>
    public readonly int Distance;
    /// <summary>1: a new solve starts from the smallest success so far, else the latest solution; 0: from the original.</summary>
    public readonly int WarmStart;

    /// <summary>Settings from their values, in field order; nothing is validated (the attack's options are).</summary>
    public WeightSearchSettings(int problems, int dimension, double initialWeight, double factor, double tolerance,
        double minWeight, double maxWeight, int maxRounds, int distance, bool warmStart)
    {
        Problems = problems;
        Dimension = dimension;
        InitialWeight = initialWeight;
        Factor = factor;
        Tolerance = tolerance;
        MinWeight = minWeight;
        MaxWeight = maxWeight;
        MaxRounds = maxRounds;
        Distance = distance;
        WarmStart = warmStart ? 1 : 0;
    }
}
