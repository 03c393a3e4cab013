using ILGPU.Runtime;
using IlgpuBlindSpots.Network;
using IlgpuBlindSpots.Optimizer.Attacks;

namespace IlgpuBlindSpots.ExtendingAttacks;

/// <summary>
/// A custom attack: the basic iterative method (Kurakin et al. 2016), steps of α·sign(∇loss) kept
/// within ε of the input in L∞ and inside [0, 1]. It overrides the one extension point,
/// <see cref="Attack.Search"/>; the base class checks inputs, skips examples already misclassified,
/// batches the problems, re-checks every result with a fresh forward pass and reports.
/// </summary>
public sealed class BasicIterativeAttack(double epsilon, int steps, int batchSize = 64) : Attack(batchSize)
{
    /// <summary>L∞, the ball the attack searches.</summary>
    public override Distance Measure => Distance.LInf;

    /// <summary>Writes each problem's perturbed input into the batch; the loss gives gradients on the device.</summary>
    protected override void Search(AttackBatch batch, AttackLoss loss)
    {
        var device = loss.Device;
        int[] shape = [batch.Count, .. loss.Model.InputShape];
        float alpha = (float)(2.5 * epsilon / steps);
        using var labels = device.Accelerator.Allocate1D(batch.Labels);
        using var targets = device.Accelerator.Allocate1D(batch.Targets);
        var x = (float[])batch.Originals.Clone();
        for (int step = 0; step < steps; step++)
        {
            using var input = Tensor.FromArray(device, x, shape);
            // The loss descends towards the goal: away from the label, or towards the target.
            float[] gradient = loss.Evaluate(input, labels.View, targets.View, batch.Untargeted).InputGradient.ToArray();
            for (int i = 0; i < x.Length; i++)
            {
                float original = batch.Originals[i];
                float moved = x[i] - alpha * MathF.Sign(gradient[i]);
                x[i] = Math.Clamp(moved, Math.Max(0f, original - (float)epsilon), Math.Min(1f, original + (float)epsilon));
            }
        }
        x.CopyTo(batch.Adversarials, 0);
        Array.Fill(batch.Iterations, steps);
        Array.Fill(batch.Evaluations, steps);
    }
}
