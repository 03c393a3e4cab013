using IlgpuBlindSpots.Network;

namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// Settings of <see cref="FmnAttack"/>: the L2 steps with the defaults of Pintor et al. (2021), and
/// the start that the box [0, 1] makes necessary (see the attack's remarks).
/// </summary>
public sealed record FmnOptions
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
    /// <summary>Examples attacked together on the device.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Throws a <see cref="BlindSpotsException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        if (Steps < 0) Fail(nameof(Steps), Steps, "0 or more");
        if (!(StepSize > 0 && double.IsFinite(StepSize))) Fail(nameof(StepSize), StepSize, "positive");
        if (!(FinalStepSize > 0 && FinalStepSize <= StepSize)) Fail(nameof(FinalStepSize), FinalStepSize, "positive and at most StepSize");
        if (!(Gamma > 0 && Gamma < 1)) Fail(nameof(Gamma), Gamma, "in (0, 1)");
        if (!(FinalGamma > 0 && FinalGamma <= Gamma)) Fail(nameof(FinalGamma), FinalGamma, "positive and at most Gamma");
        if (InitSteps < 0) Fail(nameof(InitSteps), InitSteps, "0 or more");
        if (BisectionSteps < 0) Fail(nameof(BisectionSteps), BisectionSteps, "0 or more");
        if (BatchSize < 1) Fail(nameof(BatchSize), BatchSize, "at least 1");
    }

    private static void Fail(string name, object value, string range) =>
        throw new BlindSpotsException($"FMN option {name} = {value} is out of range: it must be {range}");
}
