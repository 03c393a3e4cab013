using ILGPU;
using IlgpuBlindSpots.Kernels;

namespace IlgpuBlindSpots.Network.Layers;

/// <summary>
/// 2-D convolution, PyTorch's Conv2d: x [B, C, H, W] → y [B, O, OH, OW], W [O, C, KH, KW], b [O],
/// with OH = (H + 2P − KH)/S + 1, zero padding P and stride S.
/// </summary>
public sealed class Conv2dLayer : ILayer, IReluFusable
{
    private readonly ComputeDevice device;
    private readonly LayerBuffer output = new(), inputGradient = new();
    private Tensor? input, scratch;
    private ConvShape shape;

    /// <summary>A convolution of zero weights for inputs of <paramref name="inputShape"/> (C, H, W), its parameters named <c>name.weight</c> and <c>name.bias</c>; throws a <see cref="BlindSpotsException"/> when the kernel does not fit the padded input.</summary>
    internal Conv2dLayer(ComputeDevice device, int[] inputShape, int filters, int kernelHeight, int kernelWidth, int stride, int padding, string name)
    {
        if (inputShape.Length != 3)
            throw new BlindSpotsException($"conv layer needs an image input C×H×W, got {Tensor.Format(inputShape)}");
        this.device = device;
        InChannels = inputShape[0];
        InHeight = inputShape[1];
        InWidth = inputShape[2];
        Filters = filters;
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
        Stride = stride;
        Padding = padding;
        if (InHeight + 2 * padding < kernelHeight || InWidth + 2 * padding < kernelWidth)
            throw new BlindSpotsException(
                $"{Spec}: a {kernelHeight}×{kernelWidth} kernel does not fit a {InHeight}×{InWidth} input padded by {padding}");
        Weight = new Parameter($"{name}.weight", Tensor.Zeros(device, filters, InChannels, kernelHeight, kernelWidth), decays: true);
        Bias = new Parameter($"{name}.bias", Tensor.Zeros(device, filters), decays: false);
        Parameters = [Weight, Bias];
        _ = device.Convolution;   // compiles the products now, not in the first forward pass
    }

    /// <summary>C: channels of the input.</summary>
    public int InChannels { get; }
    /// <summary>H: input height.</summary>
    public int InHeight { get; }
    /// <summary>W: input width.</summary>
    public int InWidth { get; }
    /// <summary>O: filters, the output's channels.</summary>
    public int Filters { get; }
    /// <summary>KH: filter height.</summary>
    public int KernelHeight { get; }
    /// <summary>KW: filter width.</summary>
    public int KernelWidth { get; }
    /// <summary>S: step between output positions, in both directions.</summary>
    public int Stride { get; }
    /// <summary>P: zeros added on every side.</summary>
    public int Padding { get; }
    /// <summary>W [O, C, KH, KW], PyTorch Conv2d's layout.</summary>
    public Parameter Weight { get; }
    /// <summary>b [O].</summary>
    public Parameter Bias { get; }
    /// <inheritdoc/>
    public BackwardReads ReadsForBackward(bool parameterGradients) => parameterGradients ? BackwardReads.Input : BackwardReads.Nothing;
    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <inheritdoc/>
    public string Spec =>
        $"conv:{Filters}x{KernelHeight}x{KernelWidth}" + (Stride != 1 ? $"s{Stride}" : "") + (Padding != 0 ? $"p{Padding}" : "");

    /// <inheritdoc/>
    public int[] OutputShape(int[] inputShape)
    {
        if (inputShape.Length != 3 || inputShape[0] != InChannels || inputShape[1] != InHeight || inputShape[2] != InWidth)
            throw new BlindSpotsException($"{Spec}: built for input [{InChannels}, {InHeight}, {InWidth}], got {Tensor.Format(inputShape)}");
        var c = Shape(1);
        return [Filters, c.OutH, c.OutW];
    }

    /// <inheritdoc/>
    public Tensor Forward(Tensor x, bool training) => Run(x, relu: false);

    /// <inheritdoc/>
    Tensor IReluFusable.ForwardRelu(Tensor x, bool training) => Run(x, relu: true);

    private Tensor Run(Tensor x, bool relu)
    {
        if (x.RowLength != InChannels * InHeight * InWidth)
            throw new BlindSpotsException($"{Spec}: expects inputs [{InChannels}, {InHeight}, {InWidth}], got {Tensor.Format(x.Shape)}");
        input = x;
        shape = Shape(x.Batch);
        var y = output.Get(device, [x.Batch, Filters, shape.OutH, shape.OutW]);
        device.Convolution.Forward(x.View, Weight.Value.View, Bias.Value.View, y.View, shape, relu);
        return y;
    }

    /// <inheritdoc/>
    public Tensor Backward(Tensor dy, bool parameterGradients)
    {
        var x = input ?? throw new InvalidOperationException("backward before forward");
        if (dy.Length != x.Batch * Filters * shape.OutH * shape.OutW)
            throw new BlindSpotsException($"{Spec}: output gradient {Tensor.Format(dy.Shape)} does not match [{x.Batch}, {Filters}, {shape.OutH}, {shape.OutW}]");
        if (parameterGradients)
            device.Convolution.BackwardParameters(dy.View, x.View, Weight.Gradient.View, Bias.Gradient.View, Scratch(), shape, 1f);
        var dx = inputGradient.Get(device, x.Shape.ToArray());
        device.Convolution.BackwardInput(dy.View, Weight.Value.View, dx.View, shape);
        return dx;
    }

    /// <summary>Frees the parameters and the layer's buffers.</summary>
    public void Dispose()
    {
        output.Dispose();
        inputGradient.Dispose();
        scratch?.Dispose();
        Weight.Dispose();
        Bias.Dispose();
    }

    /// <summary>The weight gradient's scratch for this batch's shape, grown when too small (empty where none is needed).</summary>
    private ArrayView<float> Scratch()
    {
        int length = device.Convolution.ScratchLength(shape);
        if (length == 0) return ArrayView<float>.Empty;
        if (scratch is null || scratch.Length < length)
        {
            scratch?.Dispose();
            scratch = Tensor.Allocate(device, length);
        }
        return scratch.View.SubView(0, length);
    }

    private ConvShape Shape(int batch) =>
        new(batch, InChannels, InHeight, InWidth, Filters, KernelHeight, KernelWidth, Stride, Stride, Padding, Padding);
}
