using IlgpuBlindSpots.Network;

namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>Settings of <see cref="DdnAttack"/>; the defaults are those of Rony et al. (2019) for MNIST.</summary>
public sealed record DdnOptions
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
    /// <summary>Examples attacked together on the device.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Throws a <see cref="BlindSpotsException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        if (Steps < 1) Fail(nameof(Steps), Steps, "at least 1");
        if (!(Gamma > 0 && Gamma < 1)) Fail(nameof(Gamma), Gamma, "in (0, 1)");
        if (!(InitialNorm > 0 && double.IsFinite(InitialNorm))) Fail(nameof(InitialNorm), InitialNorm, "positive");
        if (!(StepSize > 0 && double.IsFinite(StepSize))) Fail(nameof(StepSize), StepSize, "positive");
        if (!(FinalStepSize > 0 && FinalStepSize <= StepSize)) Fail(nameof(FinalStepSize), FinalStepSize, "positive and at most StepSize");
        if (BatchSize < 1) Fail(nameof(BatchSize), BatchSize, "at least 1");
    }

    private static void Fail(string name, object value, string range) =>
        throw new BlindSpotsException($"DDN option {name} = {value} is out of range: it must be {range}");
}
