using IlgpuBlindSpots.Network.Layers;

namespace IlgpuBlindSpots.Network.Models;

/// <summary>
/// A feed-forward classifier: a list of layers built from an <see cref="ArchitectureSpec"/> for a
/// per-example input shape (C, H, W). It gives, for a whole batch and without reading anything
/// back, logits, probabilities, and gradients of a loss w.r.t. its input and its parameters.
/// </summary>
public sealed class SequentialModel : Model
{
    private readonly List<ILayer> layers;
    // A view made by Above shares its layers with the model it came from, which frees them.
    private readonly bool ownsLayers = true;

    private SequentialModel(ComputeDevice device, ArchitectureSpec architecture, int[] inputShape, List<ILayer> layers, int classes, bool ownsLayers = true)
        : base(device, inputShape, [classes])
    {
        this.ownsLayers = ownsLayers;
        Architecture = architecture;
        this.layers = layers;
        parameters = layers.SelectMany(l => l.Parameters).ToList();
        fusedWithNext = ReluFusion.ForChain(layers);
    }

    private readonly List<Parameter> parameters;
    private readonly bool[] fusedWithNext;

    /// <inheritdoc/>
    public override int FusedPairs => fusedWithNext.Count(f => f);
    /// <summary>The spec the layers were built from.</summary>
    public ArchitectureSpec Architecture { get; }
    /// <summary>The layers in order, input first.</summary>
    public override IReadOnlyList<ILayer> Layers => layers;
    /// <summary>Every layer's parameters in state-dict order.</summary>
    public override IReadOnlyList<Parameter> Parameters => parameters;
    /// <summary>The architecture spec.</summary>
    public override string Description => Architecture.ToString();

    /// <summary>Builds the layers of <paramref name="spec"/> for inputs of shape (C, H, W), weights zero.</summary>
    /// <exception cref="BlindSpotsException">The spec does not parse, or does not fit the input shape.</exception>
    public static SequentialModel Create(ComputeDevice device, string spec, int[] inputShape) =>
        Create(device, ArchitectureSpec.Parse(spec), inputShape);

    /// <summary>Builds the layers of <paramref name="architecture"/> for inputs of shape (C, H, W), weights zero.</summary>
    /// <exception cref="BlindSpotsException">The shape is not three positive sizes or beyond <see cref="ArchitectureSize"/>'s limits, or a layer does not fit what comes before it.</exception>
    public static SequentialModel Create(ComputeDevice device, ArchitectureSpec architecture, int[] inputShape)
    {
        // Sized from the spec first: a declared shape beyond the limits allocates nothing.
        ArchitectureSize.ParameterCount(architecture, inputShape);
        var layers = new List<ILayer>();
        try
        {
            int[] shape = inputShape;
            int module = 0;
            foreach (var spec in architecture.Layers)
            {
                // PyTorch needs an explicit nn.Flatten before the first Linear on image-shaped data;
                // it takes a module index, so the names of later parameters match such a Sequential.
                if (spec is FcSpec && shape.Length == 3) module++;
                var layer = LayerFactory.Create(device, spec, shape, module.ToString(System.Globalization.CultureInfo.InvariantCulture));
                layers.Add(layer);
                shape = layer.OutputShape(shape);
                module++;
            }
            return new SequentialModel(device, architecture, (int[])inputShape.Clone(), layers, shape[0]);
        }
        catch
        {
            foreach (var l in layers) l.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, bool training)
    {
        return Run(Shaped(input), layers.Count, training);
    }

    /// <summary>The first <paramref name="count"/> layers on <paramref name="x"/>, a product and its ReLU as one launch where both are among them.</summary>
    private Tensor Run(Tensor x, int count, bool training)
    {
        for (int i = 0; i < count; i++)
        {
            if (FusesActivations && fusedWithNext[i] && i + 1 < count)
            {
                x = ((ActivationLayer)layers[i + 1]).Adopt(((IReluFusable)layers[i]).ForwardRelu(x, training));
                i++;
            }
            else x = layers[i].Forward(x, training);
        }
        return x;
    }

    /// <summary>
    /// Evaluation-mode output of the first <paramref name="layerCount"/> layers, [B, ...] in that
    /// layer's shape: what a hidden layer computes for each example (<c>Layers.Count</c> gives the
    /// logits). The tensor belongs to the layer and is valid until its next forward pass. A layer
    /// whose ReLU is fused into it still gives its own output here when the count ends at it.
    /// </summary>
    public Tensor Activations(Tensor input, int layerCount)
    {
        if (layerCount < 1 || layerCount > layers.Count)
            throw new BlindSpotsException($"the model has layers 1..{layers.Count}, not {layerCount}");
        return Run(Shaped(input), layerCount, training: false);
    }

    /// <summary>
    /// Per-example shape of what the first <paramref name="layerCount"/> layers output (0: the
    /// model's input shape), computed from the layers without running them.
    /// </summary>
    public int[] ShapeAfter(int layerCount)
    {
        if (layerCount < 0 || layerCount > layers.Count)
            throw new BlindSpotsException($"the model has layers 1..{layers.Count}, not {layerCount}");
        int[] shape = InputShape;
        for (int i = 0; i < layerCount; i++) shape = layers[i].OutputShape(shape);
        return (int[])shape.Clone();
    }

    /// <summary>
    /// The layers after the first <paramref name="layerCount"/> as a model of their own, taking
    /// what layer <paramref name="layerCount"/> outputs as its input: the same layer objects and
    /// parameters, so training the view trains this model's upper layers. This is how a hidden
    /// layer's outputs are attacked and trained on (Szegedy et al. 2013, section 4.2). Disposing the
    /// view frees only its own buffers; the layers stay this model's. Do not interleave a pass of
    /// the view with one of this model: the shared layers keep one pass's activations.
    /// </summary>
    public SequentialModel Above(int layerCount)
    {
        if (layerCount < 1 || layerCount >= layers.Count)
            throw new BlindSpotsException($"a model above layer {layerCount} needs 1 ≤ layer < {layers.Count} (the layers of {Architecture})");
        var upper = ArchitectureSpec.FromLayers(Architecture.Layers.Skip(layerCount).ToList());
        return new SequentialModel(Device, upper, ShapeAfter(layerCount), layers.Skip(layerCount).ToList(), Classes, ownsLayers: false);
    }

    /// <inheritdoc/>
    public override Tensor Backward(Tensor logitsGradient, bool parameterGradients)
    {
        var g = logitsGradient;
        for (int i = layers.Count - 1; i >= 0; i--) g = layers[i].Backward(g, parameterGradients);
        return g;
    }

    /// <inheritdoc/>
    protected override void DisposeLayers()
    {
        if (ownsLayers)
            foreach (var l in layers) l.Dispose();
    }
}
