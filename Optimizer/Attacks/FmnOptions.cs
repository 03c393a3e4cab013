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
    /// <summary>
    /// DDN steps that find the adversarial start (<see cref="DdnAttack"/> with its defaults
    /// otherwise); 0 starts FMN from the input itself, as published.
    /// </summary>
    public int InitSteps { get; init; } = 30;
    /// <summary>Halvings of the bisection that brings each start to the decision boundary along its own perturbation.</summary>
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
        AtLeast(nameof(InitSteps), InitSteps, 0);
        AtLeast(nameof(BisectionSteps), BisectionSteps, 0);
        AtLeast(nameof(FinalBisectionSteps), FinalBisectionSteps, 0);
        Require(Norm is Distance.L2 or Distance.LInf, nameof(Norm), Norm, "L2 or LInf");
    }
}
