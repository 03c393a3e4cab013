using IlgpuBlindSpots.Network;

namespace IlgpuBlindSpots.Optimizer;

/// <summary>Settings of <see cref="ProjectedLbfgs"/>; the defaults are SciPy L-BFGS-B's where it has one.</summary>
public sealed record LbfgsOptions
{
    /// <summary>m: correction pairs kept per problem.</summary>
    public int Memory { get; init; } = 10;

    /// <summary>Accepted steps after which a problem stops.</summary>
    public int MaxIterations { get; init; } = 15000;

    /// <summary>pgtol: a problem has converged when ‖P(x − g) − x‖∞ is at most this.</summary>
    public double ProjectedGradientTolerance { get; init; } = 1e-5;

    /// <summary>
    /// factr·eps: a problem stops when a step reduces f by at most this relative to
    /// max(|f_k|, |f_k+1|, 1). The default is SciPy's factr = 1e7 times the float64 epsilon; 0 turns
    /// the test off.
    /// </summary>
    public double RelativeReductionTolerance { get; init; } = 1e7 * 2.220446049250313e-16;

    /// <summary>Trials of one line search (α, α/2, α/4, …) before it counts as failed.</summary>
    public int MaxLineSearchSteps { get; init; } = 20;

    /// <summary>c₁ of the sufficient-decrease (Armijo) test.</summary>
    public double SufficientDecrease { get; init; } = 1e-4;

    /// <summary>
    /// Rounds between the host's reads of how many problems have stopped: the only read-back during a
    /// run. Larger values sync less; up to CheckEvery − 1 rounds run after the last problem stops,
    /// in which every kernel and a well-behaved objective skip all work.
    /// </summary>
    public int CheckEvery { get; init; } = 5;

    /// <summary>Memory layout of the optimizer's own buffers; changes speed only, never results.</summary>
    public LbfgsLayout Layout { get; init; } = LbfgsLayout.Auto;

    /// <summary>Throws a <see cref="BlindSpotsException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        if (Memory < 1) Fail(nameof(Memory), Memory, "at least 1");
        if (MaxIterations < 1) Fail(nameof(MaxIterations), MaxIterations, "at least 1");
        if (!(ProjectedGradientTolerance >= 0)) Fail(nameof(ProjectedGradientTolerance), ProjectedGradientTolerance, "0 or more");
        if (!(RelativeReductionTolerance >= 0)) Fail(nameof(RelativeReductionTolerance), RelativeReductionTolerance, "0 or more");
        if (MaxLineSearchSteps < 1) Fail(nameof(MaxLineSearchSteps), MaxLineSearchSteps, "at least 1");
        if (!(SufficientDecrease > 0 && SufficientDecrease < 0.5)) Fail(nameof(SufficientDecrease), SufficientDecrease, "in (0, 0.5)");
        if (CheckEvery < 1) Fail(nameof(CheckEvery), CheckEvery, "at least 1");
        if (!Enum.IsDefined(Layout)) Fail(nameof(Layout), Layout, "Auto, ProblemMajor, ElementMajor or ProblemGroups");
    }

    private static void Fail(string name, object value, string range) =>
        throw new BlindSpotsException($"L-BFGS option {name} = {value} is out of range: it must be {range}");
}
