namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// Where <see cref="FmnAttack"/> starts. Published FMN starts from the input; on MNIST networks the
/// box then stalls it short of the boundary (see the attack's remarks), so by default another
/// attack's few steps come first, as its authors allow.
/// </summary>
public enum FmnStart
{
    /// <summary>DeepFool when the goal is a target, DDN when it is any other class (Bench/RESULTS.md, FMN's start).</summary>
    Auto,
    /// <summary>A few DeepFool steps (<see cref="DeepFoolStart"/>): cheap, and aimed at the goal's boundary.</summary>
    DeepFool,
    /// <summary>DDN steps and a bisection to the boundary: slower, but its cross-entropy finds the nearest class when any will do.</summary>
    Ddn,
    /// <summary>The input itself, as published.</summary>
    Input,
}
