namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// Settings of <see cref="FmnAttack"/>: the L2 steps with the defaults of Pintor et al. (2021), and
/// the start that the box [0, 1] makes necessary (see the attack's remarks).
/// </summary>
public sealed record FmnOptions : AttackSettings
{
    /// <summary>FMN steps (each one model forward and backward pass).</summary>
    public int Steps { get; init; } = 100;
    /// <summary>The step α at the start of the cosine schedule (L2 units).</summary>
    public double StepSize { get; init; } = 1;
    /// <summary>The step α at the end of the cosine schedule (the authors' α₀/100).</summary>
    public double FinalStepSize { get; init; } = 0.01;
    /// <summary>γ at the start of its cosine schedule: the relative change of the radius ε per step.</summary>
    public double Gamma { get; init; } = 0.05;
    /// <summary>γ at the end of its cosine schedule.</summary>
    public double FinalGamma { get; init; } = 0.001;
    /// <summary>Where FMN starts (<see cref="FmnStart"/>); by default the start measured best for the norm and the goal (<see cref="FmnStart.Auto"/>).</summary>
    public FmnStart Start { get; init; } = FmnStart.Auto;
    /// <summary>
    /// Steps of the start attack: null for its default (<see cref="DeepFoolStart.DefaultSteps"/> DeepFool
    /// steps, <see cref="DdnStartSteps"/> DDN steps); 0 starts FMN from the input itself, as published.
    /// </summary>
    public int? InitSteps { get; init; }
    /// <summary>
    /// Halvings of the bisection that brings each start to the decision boundary along its own
    /// perturbation, after the DDN start only: DeepFool's start already ends beside the boundary, and
    /// a bisection after it changed FMN's result by 0.0002% (Bench/RESULTS.md).
    /// </summary>
    public int BisectionSteps { get; init; } = 10;
    /// <summary>
    /// Halvings of a last bisection after FMN's steps, which brings each best input to the boundary
    /// along its own perturbation (forward passes only; 0: none). Not part of the published attack:
    /// on fc100-100-10 it lowered the mean distortion by 0.03% after 60 FMN steps (Bench/RESULTS.md).
    /// The L-BFGS attack's refinement ignores it.
    /// </summary>
    public int FinalBisectionSteps { get; init; } = 10;

    /// <summary>
    /// The norm minimised: <see cref="Distance.L2"/>, or <see cref="Distance.LInf"/> (the same scheme
    /// with the L∞ radius, its dual norm L1 in the distance to the boundary, and the projection onto the L∞ ball).
    /// </summary>
    public Distance Norm { get; init; } = Distance.L2;

    /// <summary>DDN steps of the DDN start: fewer left digits of fc100-100-10 without an adversarial start (Bench/RESULTS.md).</summary>
    public const int DdnStartSteps = 30;

    /// <summary>
    /// The start this attack takes for a goal (untargeted or not), its steps, and the bisection after
    /// it: <see cref="FmnStart.Input"/> with no steps where the steps are 0.
    /// </summary>
    public (FmnStart Start, int Steps, int BisectionSteps) StartFor(bool untargeted)
    {
        var start = Start != FmnStart.Auto ? Start
            : Norm == Distance.LInf && !untargeted ? FmnStart.Input
            : FmnStart.Ddn;
        int steps = start switch
        {
            FmnStart.DeepFool => InitSteps ?? DeepFoolStart.DefaultSteps,
            FmnStart.Ddn => InitSteps ?? DdnStartSteps,
            _ => 0,
        };
        if (steps == 0) return (FmnStart.Input, 0, 0);
        return (start, steps, start == FmnStart.Ddn ? BisectionSteps : 0);
    }

    /// <inheritdoc/>
    protected override string AttackName => "FMN";

    /// <inheritdoc/>
    protected override void CheckSettings()
    {
        AtLeast(nameof(Steps), Steps, 0);
        Positive(nameof(StepSize), StepSize);
        Require(FinalStepSize > 0 && FinalStepSize <= StepSize, nameof(FinalStepSize), FinalStepSize, "positive and at most StepSize");
        Fraction(nameof(Gamma), Gamma);
        Require(FinalGamma > 0 && FinalGamma <= Gamma, nameof(FinalGamma), FinalGamma, "positive and at most Gamma");
        Require(Enum.IsDefined(Start), nameof(Start), Start, "Auto, DeepFool, Ddn or Input");
        Require(InitSteps is null or >= 0, nameof(InitSteps), InitSteps ?? 0, "0 or more");
        AtLeast(nameof(BisectionSteps), BisectionSteps, 0);
        AtLeast(nameof(FinalBisectionSteps), FinalBisectionSteps, 0);
        Require(Norm is Distance.L2 or Distance.LInf, nameof(Norm), Norm, "L2 or LInf");
    }
}
