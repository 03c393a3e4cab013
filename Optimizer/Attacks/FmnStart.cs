namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// Where <see cref="FmnAttack"/> starts. Published FMN starts from the input; on MNIST networks the
/// box then stalls it short of the boundary (see the attack's remarks), so by default another
/// attack's few steps come first, as its authors allow.
/// </summary>
public enum FmnStart
{
    /// <summary>
    /// The start measured best (Bench/RESULTS.md, "FMN's start"): DDN's, except for an L∞ target,
    /// whose steps the box does not stall: the input.
    /// </summary>
    Auto,
    /// <summary>
    /// A few DeepFool steps (<see cref="DeepFoolStart"/>): 3 passes where DDN's start takes 40, for a
    /// slightly larger result (0.01% on fc100-100-10, 0.3% on conv-mnist, target next). Not for an
    /// untargeted attack: its logit difference commits to the runner-up at the input (4.6% larger).
    /// </summary>
    DeepFool,
    /// <summary>DDN steps and a bisection to the boundary; its cross-entropy heads for the nearest class when any will do.</summary>
    Ddn,
    /// <summary>The input itself, as published.</summary>
    Input,
}
