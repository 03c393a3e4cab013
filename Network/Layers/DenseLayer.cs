using IlgpuBlindSpots.Kernels;

namespace IlgpuBlindSpots.Network.Layers;

/// <summary>
/// Fully connected layer, PyTorch's Linear: x [B, K] → y = x·Wᵀ + b [B, N]; W [N, K], b [N].
/// An input of rank above 2 (an image batch) is flattened per example first.
/// </summary>
public sealed class DenseLayer : ILayer, IReluFusable
{
    private readonly ComputeDevice device;
    private readonly LayerBuffer output = new(), inputGradient = new();
    private Tensor? input;

    /// <summary>A layer of zero weights [outFeatures, inFeatures] and biases, its parameters named <c>name.weight</c> and <c>name.bias</c>.</summary>
    internal DenseLayer(ComputeDevice device, int inFeatures, int outFeatures, string name)
    {
        if (inFeatures <= 0 || outFeatures <= 0)
            throw new BlindSpotsException($"fc layer: sizes must be positive, got {inFeatures}→{outFeatures}");
        this.device = device;
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = new Parameter($"{name}.weight", Tensor.Zeros(device, outFeatures, inFeatures), decays: true);
        Bias = new Parameter($"{name}.bias", Tensor.Zeros(device, outFeatures), decays: false);
        Parameters = [Weight, Bias];
    }

    /// <summary>Inputs per example (an image input counts C·H·W).</summary>
    public int InFeatures { get; }
    /// <summary>Outputs per example.</summary>
    public int OutFeatures { get; }
    /// <summary>W [OutFeatures, InFeatures], PyTorch Linear's layout.</summary>
    public Parameter Weight { get; }
    /// <summary>b [OutFeatures].</summary>
    public Parameter Bias { get; }
    /// <inheritdoc/>
    public BackwardReads ReadsForBackward(bool parameterGradients) => parameterGradients ? BackwardReads.Input : BackwardReads.Nothing;
    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters { get; }
    /// <inheritdoc/>
    public string Spec => $"fc:{OutFeatures}";

    /// <inheritdoc/>
    public int[] OutputShape(int[] inputShape)
    {
        int features = inputShape.Aggregate(1, (a, b) => a * b);
        if (features != InFeatures)
            throw new BlindSpotsException($"{Spec}: expects {InFeatures} input features, got shape {Tensor.Format(inputShape)}");
        return [OutFeatures];
    }

    /// <inheritdoc/>
    public Tensor Forward(Tensor x, bool training) => Run(x, relu: false);

    /// <inheritdoc/>
    Tensor IReluFusable.ForwardRelu(Tensor x, bool training) => Run(x, relu: true);

    private Tensor Run(Tensor x, bool relu)
    {
        if (x.RowLength != InFeatures)
            throw new BlindSpotsException($"{Spec}: expects {InFeatures} input features per example, got {Tensor.Format(x.Shape)}");
        input = x;
        int batch = x.Batch;
        var y = output.Get(device, [batch, OutFeatures]);
        device.Dense.Forward(x.View, Weight.Value.View, Bias.Value.View, y.View, batch, InFeatures, OutFeatures, relu);
        return y;
    }

    /// <inheritdoc/>
    public Tensor Backward(Tensor dy, bool parameterGradients)
    {
        var x = input ?? throw new InvalidOperationException("backward before forward");
        int batch = x.Batch;
        if (dy.Batch != batch || dy.RowLength != OutFeatures)
            throw new BlindSpotsException($"{Spec}: output gradient {Tensor.Format(dy.Shape)} does not match [{batch}, {OutFeatures}]");
        if (parameterGradients)
        {
            device.Dense.BackwardParameters(dy.View, x.View, Weight.Gradient.View, Bias.Gradient.View,
                batch, InFeatures, OutFeatures, 1f);
        }
        // The input gradient takes the input's own shape, so a flattened image batch gets its image shape back.
        var dx = inputGradient.Get(device, x.Shape.ToArray());
        device.Dense.BackwardInput(dy.View, Weight.Value.View, dx.View, batch, InFeatures, OutFeatures);
        return dx;
    }

    /// <summary>Frees the parameters and the layer's buffers.</summary>
    public void Dispose()
    {
        output.Dispose();
        inputGradient.Dispose();
        Weight.Dispose();
        Bias.Dispose();
    }
}
