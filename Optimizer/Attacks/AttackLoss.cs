using ILGPU;
using ILGPU.Runtime;
using IlgpuBlindSpots.Network.Layers;
using IlgpuBlindSpots.Network.Models;

namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// The loss every attack descends, with its input gradient, and the model's predictions, for a
/// batch of inputs on the device. Targeted: CE(f(x′), target). Untargeted: −log(1 − p_label(x′))
/// (<see cref="AttackObjective.AvoidLabelLossAndGradient"/>), which is smallest when the label's
/// probability is, bounded below by 0, and whose gradient points along that of CE(label) reversed.
/// Or, with <see cref="AttackLossKind.Margin"/>, the margin on the logits (<see cref="MarginLoss"/>).
/// </summary>
public sealed class AttackLoss : IDisposable
{
    private readonly LayerBuffer loss = new(), logitsGradient = new();
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, float> crossEntropy;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int> avoidLabel;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<int>, int> argMax;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, float> margin;
    private MemoryBuffer1D<int, Stride1D.Dense>? predictions;

    /// <summary>The attack loss of <paramref name="model"/>, its kernels loaded on the model's device.</summary>
    public AttackLoss(Model model)
    {
        Model = model;
        var kernels = model.Device.KernelCache;
        crossEntropy = kernels.Load<WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, float>(SoftmaxCrossEntropy.LossAndGradient);
        avoidLabel = kernels.Load<WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int>(AttackObjective.AvoidLabelLossAndGradient);
        argMax = kernels.Load<WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<int>, int>(VectorOps.ArgMax);
        margin = kernels.Load<WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, float>(MarginLoss.LossAndGradient);
    }

    /// <summary>The model attacked.</summary>
    public Model Model { get; }
    /// <summary>The model's device.</summary>
    public ComputeDevice Device => Model.Device;

    /// <summary>
    /// Per-example attack losses [B] and their gradients w.r.t. the input [B, C, H, W], for a batch
    /// of B inputs: towards targets[b], or away from labels[b] when <paramref name="untargeted"/>.
    /// The tensors belong to this object and the model, valid until their next call.
    /// </summary>
    public (Tensor Loss, Tensor InputGradient) Evaluate(Tensor input, ArrayView<int> labels, ArrayView<int> targets, bool untargeted,
        AttackLossKind kind = AttackLossKind.CrossEntropy, float kappa = 0f) =>
        Backpropagate(Model.Logits(input), labels, targets, untargeted, kind, kappa);

    /// <summary>The model's logits [B, K] for a batch of inputs, owned by the model until its next pass.</summary>
    public Tensor Logits(Tensor input) => Model.Logits(input);

    /// <summary>
    /// The losses and input gradients, as <see cref="Evaluate"/>, from the logits of the model's
    /// latest forward pass (<see cref="Logits"/>), which must not have been followed by another.
    /// κ is the margin loss's floor (ignored by the cross-entropy); +∞ gives the plain logit difference.
    /// For the margin loss, untargeted problems must have target −1.
    /// </summary>
    public (Tensor Loss, Tensor InputGradient) Backpropagate(Tensor logits, ArrayView<int> labels, ArrayView<int> targets, bool untargeted,
        AttackLossKind kind, float kappa)
    {
        int batch = logits.Batch, classes = logits.RowLength;
        var l = loss.Get(Device, [batch]);
        var g = logitsGradient.Get(Device, [batch, classes]);
        var s = Device.Split(batch);
        if (kind == AttackLossKind.Margin) margin(s.Threads, s, logits.View, labels, targets, l.View, g.View, classes, kappa);
        else if (untargeted) avoidLabel(s.Threads, s, logits.View, labels, l.View, g.View, classes);
        else crossEntropy(s.Threads, s, logits.View, targets, l.View, g.View, classes, 1f);
        return (l, Model.Backward(g, parameterGradients: false));
    }

    /// <summary>The model's predicted class for each input of the batch: a float32 forward pass and an arg-max, read back.</summary>
    public int[] Predict(Tensor input) => ArgMax(Model.Logits(input, BackwardUse.None));

    /// <summary>The model's predicted classes and its logits [B·K] for a batch, from one forward pass, read back.</summary>
    public (int[] Predictions, float[] Logits) PredictWithLogits(Tensor input)
    {
        var logits = Model.Logits(input, BackwardUse.None);
        return (ArgMax(logits), logits.ToArray());
    }

    private int[] ArgMax(Tensor logits)
    {
        int batch = logits.Batch;
        if (predictions is null || predictions.Length < batch)
        {
            predictions?.Dispose();
            predictions = Device.Accelerator.Allocate1D<int>(batch);
        }
        var s = Device.Split(batch);
        argMax(s.Threads, s, logits.View, predictions.View, ArrayView<int>.Empty, logits.RowLength);
        var result = new int[batch];
        predictions.View.SubView(0, batch).CopyToCPU(result);
        return result;
    }

    /// <summary>Frees the loss's buffers.</summary>
    public void Dispose()
    {
        loss.Dispose();
        logitsGradient.Dispose();
        predictions?.Dispose();
    }
}
