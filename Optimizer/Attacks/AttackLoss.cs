using ILGPU;
using ILGPU.Runtime;
using IlgpuBlindSpots.Kernels;
using IlgpuBlindSpots.Network;
using IlgpuBlindSpots.Network.Layers;
using IlgpuBlindSpots.Network.Models;
using Device = IlgpuBlindSpots.Network.Device;

namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// The loss every attack descends, with its input gradient, and the model's predictions, for a
/// batch of inputs on the device. Targeted: CE(f(x′), target). Untargeted: −log(1 − p_label(x′))
/// (<see cref="AttackObjective.AvoidLabelLossAndGradient"/>), which is smallest when the label's
/// probability is, bounded below by 0, and whose gradient points along that of CE(label) reversed.
/// </summary>
internal sealed class AttackLoss : IDisposable
{
    private readonly LayerBuffer loss = new(), logitsGradient = new();
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, float> crossEntropy;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int> avoidLabel;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<int>, int> argMax;
    private MemoryBuffer1D<int, Stride1D.Dense>? predictions;

    public AttackLoss(Model model)
    {
        Model = model;
        var kernels = model.Device.Kernels;
        crossEntropy = kernels.Load<WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, float>(SoftmaxCrossEntropy.LossAndGradient);
        avoidLabel = kernels.Load<WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int>(AttackObjective.AvoidLabelLossAndGradient);
        argMax = kernels.Load<WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<int>, int>(VectorOps.ArgMax);
    }

    public Model Model { get; }
    public Device Device => Model.Device;

    /// <summary>
    /// Per-example attack losses [B] and their gradients w.r.t. the input [B, C, H, W], for a batch
    /// of B inputs: towards targets[b], or away from labels[b] when <paramref name="untargeted"/>.
    /// The tensors belong to this object and the model, valid until their next call.
    /// </summary>
    public (Tensor Loss, Tensor InputGradient) Evaluate(Tensor input, ArrayView<int> labels, ArrayView<int> targets, bool untargeted)
    {
        var logits = Model.Logits(input);
        int batch = logits.Batch, classes = logits.RowLength;
        var l = loss.Get(Device, [batch]);
        var g = logitsGradient.Get(Device, [batch, classes]);
        var s = Device.Split(batch);
        if (untargeted) avoidLabel(s.Threads, s, logits.View, labels, l.View, g.View, classes);
        else crossEntropy(s.Threads, s, logits.View, targets, l.View, g.View, classes, 1f);
        return (l, Model.Backward(g, parameterGradients: false));
    }

    /// <summary>The model's predicted class for each input of the batch: a float32 forward pass and an arg-max, read back.</summary>
    public int[] Predict(Tensor input)
    {
        var logits = Model.Logits(input);
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

    public void Dispose()
    {
        loss.Dispose();
        logitsGradient.Dispose();
        predictions?.Dispose();
    }
}
