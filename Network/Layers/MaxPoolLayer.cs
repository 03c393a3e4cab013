using ILGPU;
using ILGPU.Runtime;
using IlgpuBlindSpots.Kernels;

namespace IlgpuBlindSpots.Network.Layers;

/// <summary>
/// Max-pooling, PyTorch's MaxPool2d: x [B, C, H, W] → y [B, C, OH, OW] with OH = (H + 2P − K)/S + 1;
/// overlapping windows (S &lt; K) allowed. Backward routes each output gradient to its window's arg-max.
/// </summary>
public sealed class MaxPoolLayer : ILayer
{
    private readonly ComputeDevice device;
    private readonly LayerBuffer output = new(), inputGradient = new();
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<int>, int, int, int, int, int, int, int, int> forward;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int, int, int, int, int, int, int> backward;
    private MemoryBuffer1D<int, Stride1D.Dense>? argMax;
    private Tensor? input;

    /// <summary>Max-pooling for inputs of <paramref name="inputShape"/> (C, H, W); throws a <see cref="BlindSpotsException"/> when the window does not fit the input.</summary>
    internal MaxPoolLayer(ComputeDevice device, int[] inputShape, int windowHeight, int windowWidth, int stride, int padding)
    {
        if (inputShape.Length != 3)
            throw new BlindSpotsException($"maxpool layer needs an image input C×H×W, got {Tensor.Format(inputShape)}");
        this.device = device;
        Channels = inputShape[0];
        InHeight = inputShape[1];
        InWidth = inputShape[2];
        WindowHeight = windowHeight;
        WindowWidth = windowWidth;
        Stride = stride;
        Padding = padding;
        if (InHeight + 2 * padding < windowHeight || InWidth + 2 * padding < windowWidth)
            throw new BlindSpotsException($"{Spec}: a {windowHeight}×{windowWidth} window does not fit a {InHeight}×{InWidth} input");
        forward = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<int>, int, int, int, int, int, int, int, int>(Pooling.Forward);
        backward = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int, int, int, int, int, int, int>(Pooling.Backward);
    }

    /// <summary>C: channels, the same in and out.</summary>
    public int Channels { get; }
    /// <summary>H: input height.</summary>
    public int InHeight { get; }
    /// <summary>W: input width.</summary>
    public int InWidth { get; }
    /// <summary>K: window height.</summary>
    public int WindowHeight { get; }
    /// <summary>Window width.</summary>
    public int WindowWidth { get; }
    /// <summary>S: step between windows, in both directions.</summary>
    public int Stride { get; }
    /// <summary>P: padding on every side (padded cells never win the max).</summary>
    public int Padding { get; }
    /// <summary>OH = (H + 2P − K)/S + 1.</summary>
    public int OutHeight => (InHeight + 2 * Padding - WindowHeight) / Stride + 1;
    /// <summary>OW, likewise for the width.</summary>
    public int OutWidth => (InWidth + 2 * Padding - WindowWidth) / Stride + 1;
    /// <inheritdoc/>
    public BackwardReads ReadsForBackward(bool parameterGradients) => BackwardReads.Nothing;
    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [];

    /// <inheritdoc/>
    public string Spec =>
        $"maxpool:{WindowHeight}" + (WindowWidth != WindowHeight ? $"x{WindowWidth}" : "") +
        (Stride != WindowHeight ? $"s{Stride}" : "") + (Padding != 0 ? $"p{Padding}" : "");

    /// <inheritdoc/>
    public int[] OutputShape(int[] inputShape)
    {
        if (inputShape.Length != 3 || inputShape[0] != Channels || inputShape[1] != InHeight || inputShape[2] != InWidth)
            throw new BlindSpotsException($"{Spec}: built for input [{Channels}, {InHeight}, {InWidth}], got {Tensor.Format(inputShape)}");
        return [Channels, OutHeight, OutWidth];
    }

    /// <inheritdoc/>
    public Tensor Forward(Tensor x, bool training)
    {
        if (x.RowLength != Channels * InHeight * InWidth)
            throw new BlindSpotsException($"{Spec}: expects inputs [{Channels}, {InHeight}, {InWidth}], got {Tensor.Format(x.Shape)}");
        input = x;
        var y = output.Get(device, [x.Batch, Channels, OutHeight, OutWidth]);
        if (argMax is null || argMax.Length != y.Length)
        {
            argMax?.Dispose();
            argMax = device.Accelerator.Allocate1D<int>(y.Length);
        }
        // One item per output row of every plane.
        var s = device.Split(x.Batch * Channels * OutHeight);
        forward(s.Threads, s, x.View, y.View, argMax.View, InHeight, InWidth, WindowHeight, WindowWidth, Stride, Stride, Padding, Padding);
        return y;
    }

    /// <inheritdoc/>
    public Tensor Backward(Tensor dy, bool parameterGradients)
    {
        var x = input ?? throw new InvalidOperationException("backward before forward");
        if (dy.Length != argMax!.Length)
            throw new BlindSpotsException($"{Spec}: output gradient {Tensor.Format(dy.Shape)} does not match the last forward");
        var dx = inputGradient.Get(device, x.Shape.ToArray());
        // One item per input row of every plane.
        var s = device.Split(x.Batch * Channels * InHeight);
        backward(s.Threads, s, dy.View, argMax.View, dx.View, InHeight, InWidth, WindowHeight, WindowWidth, Stride, Stride, Padding, Padding);
        return dx;
    }

    /// <summary>Frees the layer's buffers.</summary>
    public void Dispose()
    {
        output.Dispose();
        inputGradient.Dispose();
        argMax?.Dispose();
    }
}
