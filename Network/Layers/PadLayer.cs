using ILGPU;
using IlgpuBlindSpots.Kernels;

namespace IlgpuBlindSpots.Network.Layers;

/// <summary>Constant padding of the last two axes of inputs (..., H, W); pads are non-negative.</summary>
public sealed class PadLayer : ILayer
{
    private readonly ComputeDevice device;
    private readonly LayerBuffer output = new(), inputGradient = new();
    private readonly int[] inputShape, outputShape;
    private readonly int top, left, bottom, right;
    private readonly float value;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int, float> forward;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int> backward;

    /// <summary>Pads inputs of <paramref name="inputShape"/> (rank ≥ 2) by the given rows and columns, filled with <paramref name="value"/>.</summary>
    internal PadLayer(ComputeDevice device, int[] inputShape, int top, int left, int bottom, int right, float value)
    {
        this.device = device;
        this.inputShape = (int[])inputShape.Clone();
        outputShape = (int[])inputShape.Clone();
        outputShape[^2] += top + bottom;
        outputShape[^1] += left + right;
        this.top = top;
        this.left = left;
        this.bottom = bottom;
        this.right = right;
        this.value = value;
        forward = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int, float>(Padding.Forward);
        backward = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int>(Padding.Backward);
    }

    /// <summary>Rows above, columns left, rows below, columns right.</summary>
    public (int Top, int Left, int Bottom, int Right) Pads => (top, left, bottom, right);
    /// <summary>The fill value.</summary>
    public float Value => value;
    /// <inheritdoc/>
    public string Spec => $"pad:{top},{left}";
    /// <inheritdoc/>
    public BackwardReads ReadsForBackward(bool parameterGradients) => BackwardReads.Nothing;
    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [];
    /// <inheritdoc/>
    public int[] OutputShape(int[] shape) => (int[])outputShape.Clone();

    /// <inheritdoc/>
    public Tensor Forward(Tensor x, bool training)
    {
        var y = output.Get(device, [x.Batch, .. outputShape]);
        var s = device.Split(y.Length);
        forward(s.Threads, s, x.View, y.View, inputShape[^2], inputShape[^1], top, left, outputShape[^2], outputShape[^1], value);
        return y;
    }

    /// <inheritdoc/>
    public Tensor Backward(Tensor dy, bool parameterGradients)
    {
        var dx = inputGradient.Get(device, [dy.Batch, .. inputShape]);
        var s = device.Split(dx.Length);
        backward(s.Threads, s, dy.View, dx.View, inputShape[^2], inputShape[^1], top, left, outputShape[^2], outputShape[^1]);
        return dx;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        output.Dispose();
        inputGradient.Dispose();
    }
}
