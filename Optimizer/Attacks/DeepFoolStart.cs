using ILGPU;

namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// FMN's DeepFool start (<see cref="FmnStart.DeepFool"/>): a few steps of <see cref="DeepFool.Step"/>
/// on the logit difference of the goal, each a model forward and backward pass. A problem stops
/// moving at its first success; one that has not succeeded after the last step is left where it is,
/// and FMN's own rule for a problem with no success takes it from there.
/// </summary>
internal static class DeepFoolStart
{
    /// <summary>
    /// η, how far past the linearised boundary each step aims. DeepFool's authors use 0.02; a start
    /// needs to cross rather than to be small (FMN shrinks it next), and with 0.1 three steps fooled
    /// 760 of 980 digits of fc100-100-10 against 613 (the final FMN result differed by 0.003%).
    /// </summary>
    public const float Overshoot = 0.1f;

    /// <summary>The default number of steps: with two, one digit of 980 stayed unfooled after FMN (Bench/RESULTS.md).</summary>
    public const int DefaultSteps = 3;

    /// <summary><paramref name="steps"/> DeepFool steps from the state's current iterates.</summary>
    public static void Run(MinimalNormState state, int steps)
    {
        var device = state.Device;
        var step = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, float, int>(DeepFool.Step);
        var rows = device.Split(state.Count);
        for (int k = 0; k < steps; k++)
        {
            var (difference, gradient) = state.Evaluate(AttackLossKind.Margin, float.PositiveInfinity);
            step(rows.Threads, rows, state.Adversarial.View, gradient.View, difference.View, state.Succeeded, Overshoot, state.Length);
        }
    }
}
