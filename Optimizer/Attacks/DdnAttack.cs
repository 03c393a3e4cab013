using ILGPU;

namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// Decoupled Direction and Norm (Rony et al. 2019): L2 steps along the normalised gradient of the
/// cross-entropy, each followed by a rescaling of the perturbation to a norm ε that shrinks while the
/// iterate is adversarial and grows while it is not (<see cref="DecoupledDirectionNorm.Step"/>), and
/// the clip into [0, 1]. The smallest successful iterate is the result.
/// </summary>
/// <remarks>
/// The untargeted loss is the project's −log(1 − p_label), whose gradient points along that of
/// −CE(label) (the two differ by a positive factor per example), so the normalised step is DDN's.
/// Unlike the authors' code, iterates are not rounded to 256 grey levels, and a zero gradient makes
/// no move instead of a random one (the norm still adapts).
/// </remarks>
public sealed class DdnAttack : Attack<DdnOptions>
{
    /// <summary>The attack with <paramref name="options"/>, or the published defaults.</summary>
    /// <exception cref="BlindSpotsException">An option is out of range.</exception>
    public DdnAttack(DdnOptions? options = null) : base(options)
    {
    }

    /// <summary>L2, the norm DDN minimises.</summary>
    public override Distance Measure => Distance.L2;

    /// <inheritdoc/>
    protected override void Search(AttackBatch batch, AttackLoss loss)
    {
        using var state = new MinimalNormState(loss, batch.Originals, batch.Originals, batch.Labels, batch.Targets);
        Run(state, Options);
        state.Check();
        state.WriteTo(batch);
        Array.Fill(batch.Iterations, Options.Steps);
        Array.Fill(batch.Evaluations, Options.Steps);
    }

    /// <summary>DDN's steps on <paramref name="state"/> from its current iterates.</summary>
    internal static void Run(MinimalNormState state, DdnOptions o)
    {
        var device = state.Device;
        var step = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>,
            float, float, int>(DecoupledDirectionNorm.Step);
        var start = new float[state.Count];
        Array.Fill(start, (float)o.InitialNorm);
        using var norm = Tensor.FromArray(device, start, state.Count);
        var rows = device.Split(state.Count);
        for (int k = 1; k <= o.Steps; k++)
        {
            float alpha = (float)CosineSchedule.At(o.StepSize, o.FinalStepSize, k, o.Steps);
            var (_, gradient) = state.Evaluate(AttackLossKind.CrossEntropy, 0f);
            step(rows.Threads, rows, state.Adversarial.View, state.Original.View, gradient.View, state.Succeeded, norm.View,
                alpha, (float)o.Gamma, state.Length);
        }
    }
}
