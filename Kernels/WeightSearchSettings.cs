namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// The weight search of the L-BFGS attack for one batch, passed by value to every
/// <see cref="WeightSearchSteps"/> kernel: sizes, the search's constants and how sizes are measured.
/// Built with an object initializer that names each field; nothing is validated here (the attack's
/// options are).
/// </summary>
public struct WeightSearchSettings
{
    /// <summary>P: problems (examples) of the batch.</summary>
    public int Problems;
    /// <summary>n: values per input.</summary>
    public int Dimension;
    /// <summary>The first weight c tried.</summary>
    public double InitialWeight;
    /// <summary>The factor c steps up by after a success, down by after a failure, until both are seen.</summary>
    public double Factor;
    /// <summary>The search ends once the bracket's hi/lo is at most 1 + this.</summary>
    public double Tolerance;
    /// <summary>Failing at or below this with no success ends the search.</summary>
    public double MinWeight;
    /// <summary>Succeeding at or above this with no failure ends the search.</summary>
    public double MaxWeight;
    /// <summary>Solves of one problem at most.</summary>
    public int MaxRounds;
    /// <summary>How perturbations are compared: <see cref="WeightSearchSteps.DistanceRms"/>, L2 or LInf.</summary>
    public int Distance;
    /// <summary>1: a new solve starts from the smallest success so far, else the latest solution; 0: from the original.</summary>
    public int WarmStart;
}
