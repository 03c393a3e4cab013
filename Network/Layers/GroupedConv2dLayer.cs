using ILGPU;
using IlgpuBlindSpots.Kernels;

namespace IlgpuBlindSpots.Network.Layers;

/// <summary>
/// ONNX Conv in general form: groups (depthwise when groups = channels), dilations, separate
/// strides and padding on each side; weight [O, C/G, KH, KW], bias [O]. The plain case maps to
/// <see cref="Conv2dLayer"/>'s faster kernels instead (see the importer).
/// </summary>
public sealed class GroupedConv2dLayer : ILayer
{
    private readonly ComputeDevice device;
    private readonly LayerBuffer output = new(), inputGradient = new();
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, Window2d, int, int, int> forward;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, Window2d, int, int, int> backwardInput;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, Window2d, int, int, int, int, float> backwardWeights;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, int, int, int, float> backwardBias;
    private readonly int inChannels, filters, groups;
    private readonly Window2d window;
    private Tensor? input;

    /// <summary>A convolution of <paramref name="inputShape"/> (C, H, W) by <paramref name="filters"/> filters in <paramref name="groups"/> groups over <paramref name="window"/>.</summary>
    internal GroupedConv2dLayer(ComputeDevice device, int[] inputShape, int filters, int groups, Window2d window, string name)
    {
        if (inputShape.Length != 3 || groups < 1 || inputShape[0] % groups != 0 || filters % groups != 0)
            throw new BlindSpotsException($"conv with {groups} groups and {filters} filters does not fit input {Tensor.Format(inputShape)}");
        this.device = device;
        inChannels = inputShape[0];
        this.filters = filters;
        this.groups = groups;
        this.window = window;
        Weight = new Parameter($"{name}.weight", Tensor.Zeros(device, filters, inChannels / groups, window.KernelH, window.KernelW), decays: true);
        Bias = new Parameter($"{name}.bias", Tensor.Zeros(device, filters), decays: false);
        Parameters = [Weight, Bias];
        var k = device.KernelCache;
        forward = k.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, Window2d, int, int, int>(GroupedConvolution.Forward);
        backwardInput = k.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, Window2d, int, int, int>(GroupedConvolution.BackwardInput);
        backwardWeights = k.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, Window2d, int, int, int, int, float>(GroupedConvolution.BackwardWeights);
        backwardBias = k.Load<WorkSplit, ArrayView<float>, ArrayView<float>, int, int, int, float>(GroupedConvolution.BackwardBias);
    }

    /// <summary>Weight [O, C/G, KH, KW].</summary>
    public Parameter Weight { get; }
    /// <summary>Bias [O].</summary>
    public Parameter Bias { get; }
    /// <summary>Channel groups.</summary>
    public int Groups => groups;
    /// <summary>The window geometry.</summary>
    public Window2d Window => window;
    /// <inheritdoc/>
    public BackwardReads ReadsForBackward(bool parameterGradients) => parameterGradients ? BackwardReads.Input : BackwardReads.Nothing;
    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters { get; }
    /// <inheritdoc/>
    public string Spec => $"conv:{filters}x{window.KernelH}x{window.KernelW}g{groups}d{window.DilationH}";

    /// <inheritdoc/>
    public int[] OutputShape(int[] inputShape) => [filters, window.OutH, window.OutW];

    /// <inheritdoc/>
    public Tensor Forward(Tensor x, bool training)
    {
        input = x;
        var y = output.Get(device, [x.Batch, filters, window.OutH, window.OutW]);
        var s = device.Split(y.Length);
        forward(s.Threads, s, x.View, Weight.Value.View, Bias.Value.View, y.View, window, inChannels, filters, groups);
        return y;
    }

    /// <inheritdoc/>
    public Tensor Backward(Tensor dy, bool parameterGradients)
    {
        var x = input ?? throw new InvalidOperationException("backward before forward");
        if (parameterGradients)
        {
            var sw = device.Split(Weight.Value.Length);
            backwardWeights(sw.Threads, sw, dy.View, x.View, Weight.Gradient.View, window, inChannels, filters, groups, x.Batch, 1f);
            var sb = device.Split(filters);
            backwardBias(sb.Threads, sb, dy.View, Bias.Gradient.View, filters, window.OutH * window.OutW, x.Batch, 1f);
        }
        var dx = inputGradient.Get(device, x.Shape.ToArray());
        var s = device.Split(dx.Length);
        backwardInput(s.Threads, s, dy.View, Weight.Value.View, dx.View, window, inChannels, filters, groups);
        return dx;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        output.Dispose();
        inputGradient.Dispose();
        Weight.Dispose();
        Bias.Dispose();
    }
}
