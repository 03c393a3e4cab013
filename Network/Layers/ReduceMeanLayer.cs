using ILGPU;
using ILGPU.Runtime;
using IlgpuBlindSpots.Kernels;

namespace IlgpuBlindSpots.Network.Layers;

/// <summary>
/// ONNX ReduceMean over axes other than the batch (x.mean([2, 3]) in PyTorch), the reduced axes
/// kept as size 1 or dropped (the same values either way); see <see cref="Kernels.ReduceMean"/>.
/// </summary>
public sealed class ReduceMeanLayer : ILayer
{
    private readonly ComputeDevice device;
    private readonly int[] inputShape, axes;
    private readonly int count;
    private readonly LayerBuffer output = new(), inputGradient = new();
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<int>, int, int> forward, backward;
    private MemoryBuffer1D<int, Stride1D.Dense>? layout;
    private int layoutBatch;

    /// <summary>The mean over <paramref name="axes"/> of the full shape (1 and up; 0 is the batch) of examples of <paramref name="inputShape"/>.</summary>
    internal ReduceMeanLayer(ComputeDevice device, int[] inputShape, int[] axes, bool keepDims)
    {
        if (axes.Length == 0 || axes.Any(a => a < 1 || a > inputShape.Length) || axes.Distinct().Count() != axes.Length)
            throw new BlindSpotsException($"reducemean over axes [{string.Join(", ", axes)}] of {Tensor.Format([1, .. inputShape])}: only distinct axes after the batch axis are supported");
        this.device = device;
        this.inputShape = (int[])inputShape.Clone();
        this.axes = axes.Order().ToArray();
        KeepDims = keepDims;
        count = this.axes.Aggregate(1, (c, a) => c * inputShape[a - 1]);
        forward = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<int>, int, int>(Kernels.ReduceMean.Forward);
        backward = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<int>, int, int>(Kernels.ReduceMean.Backward);
    }

    /// <summary>The reduced axes of the full shape, ascending.</summary>
    public IReadOnlyList<int> Axes => axes;
    /// <summary>Whether the reduced axes stay in the output as size 1.</summary>
    public bool KeepDims { get; }
    /// <inheritdoc/>
    public string Spec => $"reducemean:{string.Join("x", axes)}" + (KeepDims ? "k" : "");
    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [];
    /// <inheritdoc/>
    public BackwardReads ReadsForBackward(bool parameterGradients) => BackwardReads.Nothing;

    /// <inheritdoc/>
    public int[] OutputShape(int[] shape) => KeepDims
        ? inputShape.Select((d, i) => axes.Contains(i + 1) ? 1 : d).ToArray()
        : inputShape.Where((_, i) => !axes.Contains(i + 1)).ToArray();

    /// <inheritdoc/>
    public Tensor Forward(Tensor x, bool training)
    {
        if (x.RowLength != inputShape.Aggregate(1, (a, b) => a * b))
            throw new BlindSpotsException($"{Spec}: expects examples of {Tensor.Format(inputShape)}, got {Tensor.Format(x.Shape)}");
        PrepareLayout(x.Batch);
        var y = output.Get(device, [x.Batch, .. OutputShape(inputShape)]);
        var s = device.Split(y.Length);
        forward(s.Threads, s, x.View, y.View, layout!.View, inputShape.Length + 1, count);
        return y;
    }

    /// <inheritdoc/>
    public Tensor Backward(Tensor dy, bool parameterGradients)
    {
        if (layout is null) throw new InvalidOperationException("backward before forward");
        var dx = inputGradient.Get(device, [layoutBatch, .. inputShape]);
        var s = device.Split(dx.Length);
        backward(s.Threads, s, dy.View, dx.View, layout.View, inputShape.Length + 1, count);
        return dx;
    }

    private void PrepareLayout(int batch)
    {
        if (layout != null && batch == layoutBatch) return;
        int[] full = [batch, .. inputShape];
        int rank = full.Length;
        var data = new int[3 * rank];
        for (int d = rank - 1, stride = 1; d >= 0; stride *= full[d], d--)
        {
            data[d] = full[d];
            data[rank + d] = stride;
            data[2 * rank + d] = axes.Contains(d) ? 1 : 0;
        }
        layout?.Dispose();
        layout = device.Accelerator.Allocate1D(data);
        layoutBatch = batch;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        output.Dispose();
        inputGradient.Dispose();
        layout?.Dispose();
    }
}
