namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// Settings of <see cref="CwAttack"/>. The defaults are Carlini and Wagner's (and Foolbox 3's)
/// except <see cref="Steps"/>: 1,000 instead of 10,000, with which the early abort stops most searches anyway.
/// </summary>
public sealed record CwOptions : AttackSettings
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

    /// <inheritdoc/>
    protected override string AttackName => "C&W";

    /// <inheritdoc/>
    protected override void CheckSettings()
    {
        AtLeast(nameof(BinarySteps), BinarySteps, 1);
        AtLeast(nameof(Steps), Steps, 1);
        Positive(nameof(StepSize), StepSize);
        Positive(nameof(InitialConst), InitialConst);
        Require(Confidence >= 0 && double.IsFinite(Confidence), nameof(Confidence), Confidence, "0 or more");
    }
}
