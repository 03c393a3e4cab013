using ILGPU;
using IlgpuBlindSpots.Kernels;

namespace IlgpuBlindSpots.Network.Layers;

/// <summary>Softmax or log-softmax over rows of the trailing <see cref="RowLength"/> values of each example.</summary>
public sealed class SoftmaxLayer : ILayer
{
    private readonly ComputeDevice device;
    private readonly LayerBuffer output = new(), inputGradient = new();
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, int, int> forward;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int> backward;
    private Tensor? lastOutput;

    /// <summary>Softmax (log-softmax when <paramref name="log"/>) over consecutive rows of <paramref name="rowLength"/> values.</summary>
    internal SoftmaxLayer(ComputeDevice device, int rowLength, bool log)
    {
        this.device = device;
        RowLength = rowLength;
        IsLog = log;
        forward = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, int, int>(SoftmaxRows.Forward);
        backward = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(SoftmaxRows.Backward);
    }

    /// <summary>Values per row.</summary>
    public int RowLength { get; }
    /// <summary>Log-softmax (else softmax).</summary>
    public bool IsLog { get; }
    /// <inheritdoc/>
    public string Spec => IsLog ? "logsoftmax" : "softmax";
    /// <inheritdoc/>
    public BackwardReads ReadsForBackward(bool parameterGradients) => BackwardReads.Output;
    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [];
    /// <inheritdoc/>
    public int[] OutputShape(int[] inputShape) => (int[])inputShape.Clone();

    /// <inheritdoc/>
    public Tensor Forward(Tensor x, bool training)
    {
        var y = output.Get(device, x.Shape.ToArray());
        var s = device.Split(x.Length / RowLength);
        forward(s.Threads, s, x.View, y.View, RowLength, IsLog ? 1 : 0);
        lastOutput = y;
        return y;
    }

    /// <inheritdoc/>
    public Tensor Backward(Tensor dy, bool parameterGradients)
    {
        var y = lastOutput ?? throw new InvalidOperationException("backward before forward");
        var dx = inputGradient.Get(device, y.Shape.ToArray());
        var s = device.Split(y.Length / RowLength);
        backward(s.Threads, s, y.View, dy.View, dx.View, RowLength, IsLog ? 1 : 0);
        return dx;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        output.Dispose();
        inputGradient.Dispose();
    }
}
