using IlgpuBlindSpots.Network;

namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// Settings of <see cref="CwAttack"/>. The defaults are Carlini and Wagner's (and Foolbox 3's)
/// except <see cref="Steps"/>: 1,000 instead of 10,000, with which the early abort stops most searches anyway.
/// </summary>
public sealed record CwOptions
{
    /// <summary>Rounds of the binary search over the weight c of the loss (one Adam run each).</summary>
    public int BinarySteps { get; init; } = 9;
    /// <summary>Adam steps per round at most (each one model forward and backward pass).</summary>
    public int Steps { get; init; } = 1000;
    /// <summary>Adam's learning rate, in the tanh space.</summary>
    public double StepSize { get; init; } = 0.01;
    /// <summary>The first weight c of the margin loss.</summary>
    public double InitialConst { get; init; } = 1e-3;
    /// <summary>κ: the margin beyond the boundary past which the loss stops rewarding.</summary>
    public double Confidence { get; init; } = 0;
    /// <summary>
    /// Stop a round once the objective fell by less than 0.01% over a tenth of its steps. Checked
    /// per example (C&amp;W's code checks the batch's sum), so an example's result does not depend on its batch.
    /// </summary>
    public bool AbortEarly { get; init; } = true;
    /// <summary>Examples attacked together on the device.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Throws a <see cref="BlindSpotsException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        if (BinarySteps < 1) Fail(nameof(BinarySteps), BinarySteps, "at least 1");
        if (Steps < 1) Fail(nameof(Steps), Steps, "at least 1");
        if (!(StepSize > 0 && double.IsFinite(StepSize))) Fail(nameof(StepSize), StepSize, "positive");
        if (!(InitialConst > 0 && double.IsFinite(InitialConst))) Fail(nameof(InitialConst), InitialConst, "positive");
        if (!(Confidence >= 0 && double.IsFinite(Confidence))) Fail(nameof(Confidence), Confidence, "0 or more");
        if (BatchSize < 1) Fail(nameof(BatchSize), BatchSize, "at least 1");
    }

    private static void Fail(string name, object value, string range) =>
        throw new BlindSpotsException($"C&W option {name} = {value} is out of range: it must be {range}");
}
