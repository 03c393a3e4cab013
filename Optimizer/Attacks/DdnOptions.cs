namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>Settings of <see cref="DdnAttack"/>; the defaults are those of Rony et al. (2019) for MNIST.</summary>
public sealed record DdnOptions : AttackSettings
{
    /// <summary>Gradient steps (each one model forward and backward pass).</summary>
    public int Steps { get; init; } = 100;
    /// <summary>Factor γ by which the norm ε shrinks (adversarial) or grows (not yet) each step.</summary>
    public double Gamma { get; init; } = 0.05;
    /// <summary>The norm ε₀ of the first projection, in L2 units of [0, 1] pixels.</summary>
    public double InitialNorm { get; init; } = 1;
    /// <summary>The step α at the start of the cosine schedule (L2 units).</summary>
    public double StepSize { get; init; } = 1;
    /// <summary>The step α at the end of the cosine schedule.</summary>
    public double FinalStepSize { get; init; } = 0.01;

    /// <inheritdoc/>
    protected override string AttackName => "DDN";

    /// <inheritdoc/>
    protected override void CheckSettings()
    {
        AtLeast(nameof(Steps), Steps, 1);
        Fraction(nameof(Gamma), Gamma);
        Positive(nameof(InitialNorm), InitialNorm);
        Positive(nameof(StepSize), StepSize);
        Require(FinalStepSize > 0 && FinalStepSize <= StepSize, nameof(FinalStepSize), FinalStepSize, "positive and at most StepSize");
    }
}
