namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// Where <see cref="FmnAttack"/> starts. Published FMN starts from the input; on MNIST networks the
/// box then stalls it short of the boundary (see the attack's remarks), so by default another
/// attack's few steps come first, as its authors allow.
/// </summary>
public enum FmnStart
{
    /// <summary>
    /// The start measured best (Bench/RESULTS.md, "FMN's start"): DDN when any other class will do;
    /// for a target, DeepFool under L2 and the input under L∞, whose steps the box does not stall.
    /// </summary>
    Auto,
    /// <summary>A few DeepFool steps (<see cref="DeepFoolStart"/>): cheap, and aimed at the goal's boundary.</summary>
    DeepFool,
    /// <summary>DDN steps and a bisection to the boundary: slower, but its cross-entropy finds the nearest class when any will do.</summary>
    Ddn,
    /// <summary>The input itself, as published.</summary>
    Input,
}
