using ILGPU;
using IlgpuBlindSpots.Kernels;
using IlgpuBlindSpots.Network.Layers;

namespace IlgpuBlindSpots.Network.Losses;

/// <summary>
/// Softmax cross-entropy of integer labels on a batch of logits [B, K]: per-example losses [B],
/// their mean, and dLoss/dLogits, all on the device.
/// </summary>
internal sealed class SoftmaxCrossEntropyLoss : IDisposable
{
    private readonly ComputeDevice device;
    private readonly LayerBuffer losses = new(), gradient = new(), probabilities = new(), partials = new();
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, float> lossAndGradient;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<float>, int> lossOnly;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, int> softmax;

    public SoftmaxCrossEntropyLoss(ComputeDevice device)
    {
        this.device = device;
        lossAndGradient = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, float>(SoftmaxCrossEntropy.LossAndGradient);
        lossOnly = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<float>, int>(SoftmaxCrossEntropy.Loss);
        softmax = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, int>(SoftmaxCrossEntropy.Softmax);
    }

    /// <summary>
    /// Per-example losses [B] and dLoss/dLogits [B, K] = scale·(softmax − onehot): scale 1/B
    /// differentiates the mean (training), 1 each example's own loss (independent attack problems).
    /// </summary>
    public (Tensor Losses, Tensor LogitsGradient) LossAndGradient(Tensor logits, ArrayView<int> labels, float scale)
    {
        int batch = logits.Batch, classes = logits.RowLength;
        CheckLabels(labels, batch);
        var l = losses.Get(device, [batch]);
        var g = gradient.Get(device, [batch, classes]);
        var s = device.Split(batch);
        lossAndGradient(s.Threads, s, logits.View, labels, l.View, g.View, classes, scale);
        return (l, g);
    }

    /// <summary>Per-example losses [B] only.</summary>
    public Tensor Losses(Tensor logits, ArrayView<int> labels)
    {
        int batch = logits.Batch;
        CheckLabels(labels, batch);
        var l = losses.Get(device, [batch]);
        var s = device.Split(batch);
        lossOnly(s.Threads, s, logits.View, labels, l.View, logits.RowLength);
        return l;
    }

    /// <summary>softmax(logits) [B, K].</summary>
    public Tensor Probabilities(Tensor logits)
    {
        var p = probabilities.Get(device, logits.Shape.ToArray());
        var s = device.Split(logits.Batch);
        softmax(s.Threads, s, logits.View, p.View, logits.RowLength);
        return p;
    }

    public void Dispose()
    {
        losses.Dispose();
        gradient.Dispose();
        probabilities.Dispose();
        partials.Dispose();
    }

    private static void CheckLabels(ArrayView<int> labels, int batch)
    {
        if (labels.Length < batch)
            throw new BlindSpotsException($"{labels.Length} labels for a batch of {batch}");
    }
}
