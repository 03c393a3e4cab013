using ILGPU;
using IlgpuBlindSpots.Network.Layers;
using IlgpuBlindSpots.Network.Losses;

namespace IlgpuBlindSpots.Network.Models;

/// <summary>
/// A feed-forward classifier: a list of layers built from an <see cref="ArchitectureSpec"/> for a
/// per-example input shape (C, H, W). It gives, for a whole batch and without reading anything
/// back, logits, probabilities, and gradients of a loss w.r.t. its input and its parameters.
/// </summary>
public sealed class SequentialModel : IDisposable
{
    private readonly List<ILayer> layers;
    private readonly SoftmaxCrossEntropyLoss loss;
    // A view made by Above shares its layers with the model it came from, which frees them.
    private readonly bool ownsLayers = true;

    private SequentialModel(Device device, ArchitectureSpec architecture, int[] inputShape, List<ILayer> layers, int classes, bool ownsLayers = true)
    {
        this.ownsLayers = ownsLayers;
        Device = device;
        Architecture = architecture;
        InputShape = inputShape;
        this.layers = layers;
        Classes = classes;
        Parameters = layers.SelectMany(l => l.Parameters).ToList();
        loss = new SoftmaxCrossEntropyLoss(device);
    }

    /// <summary>The device holding the parameters; inputs must live there too.</summary>
    public Device Device { get; }
    /// <summary>The spec the layers were built from.</summary>
    public ArchitectureSpec Architecture { get; }
    /// <summary>Per-example input shape, (C, H, W).</summary>
    public int[] InputShape { get; }
    /// <summary>Elements of one input example, C·H·W.</summary>
    public int InputLength => InputShape.Aggregate(1, (a, b) => a * b);
    /// <summary>Outputs of the last layer: the number of classes.</summary>
    public int Classes { get; }
    /// <summary>The layers in order, input first.</summary>
    public IReadOnlyList<ILayer> Layers => layers;
    /// <summary>Every layer's parameters in state-dict order.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }
    /// <summary>Number of trainable scalars.</summary>
    public long ParameterCount => Parameters.Sum(p => (long)p.Value.Length);

    /// <summary>Builds the layers of <paramref name="spec"/> for inputs of shape (C, H, W), weights zero.</summary>
    /// <exception cref="BlindSpotsException">The spec does not parse, or does not fit the input shape.</exception>
    public static SequentialModel Create(Device device, string spec, int[] inputShape) =>
        Create(device, ArchitectureSpec.Parse(spec), inputShape);

    /// <summary>Builds the layers of <paramref name="architecture"/> for inputs of shape (C, H, W), weights zero.</summary>
    /// <exception cref="BlindSpotsException">The shape is not three positive sizes or beyond <see cref="ArchitectureSize"/>'s limits, or a layer does not fit what comes before it.</exception>
    public static SequentialModel Create(Device device, ArchitectureSpec architecture, int[] inputShape)
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

    /// <summary>
    /// Runs the layers on a batch [B, C, H, W] (or [B, C·H·W]) and returns the logits [B, classes];
    /// <paramref name="training"/> switches dropout on. The logits belong to the model and are
    /// overwritten by its next pass: copy them (<see cref="Tensor.ToArray"/>) to keep them.
    /// </summary>
    /// <exception cref="BlindSpotsException">The inputs do not have <see cref="InputLength"/> values per example.</exception>
    public Tensor Forward(Tensor input, bool training)
    {
        if (input.RowLength != InputLength)
            throw new BlindSpotsException(
                $"model expects inputs of {Tensor.Format(InputShape)} ({InputLength} values), got a batch of {Tensor.Format(input.Shape)}");
        var x = input.Rank == 4 ? input : input.Reshape([input.Batch, .. InputShape]);
        foreach (var layer in layers) x = layer.Forward(x, training);
        return x;
    }

    /// <summary>Evaluation-mode logits [B, classes].</summary>
    public Tensor Logits(Tensor input) => Forward(input, training: false);

    /// <summary>
    /// Evaluation-mode output of the first <paramref name="layerCount"/> layers, [B, ...] in that
    /// layer's shape: what a hidden layer computes for each example (<c>Layers.Count</c> gives the
    /// logits). The tensor belongs to the layer and is valid until its next forward pass.
    /// </summary>
    internal Tensor Activations(Tensor input, int layerCount)
    {
        if (layerCount < 1 || layerCount > layers.Count)
            throw new BlindSpotsException($"the model has layers 1..{layers.Count}, not {layerCount}");
        if (input.RowLength != InputLength)
            throw new BlindSpotsException(
                $"model expects inputs of {Tensor.Format(InputShape)} ({InputLength} values), got a batch of {Tensor.Format(input.Shape)}");
        var x = input.Rank == 4 ? input : input.Reshape([input.Batch, .. InputShape]);
        for (int i = 0; i < layerCount; i++) x = layers[i].Forward(x, training: false);
        return x;
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

    /// <summary>
    /// Back-propagates dLoss/dLogits of the last forward batch and returns dLoss/dInput [B, C, H, W];
    /// with <paramref name="parameterGradients"/> also adds dLoss/dParameter to every parameter's gradient.
    /// </summary>
    public Tensor Backward(Tensor logitsGradient, bool parameterGradients)
    {
        var g = logitsGradient;
        for (int i = layers.Count - 1; i >= 0; i--) g = layers[i].Backward(g, parameterGradients);
        return g;
    }

    /// <summary>Evaluation-mode class probabilities [B, classes].</summary>
    public Tensor Probabilities(Tensor input) => loss.Probabilities(Logits(input));

    /// <summary>
    /// Gradient of each example's own cross-entropy loss w.r.t. its input, [B, C, H, W], in
    /// evaluation mode and without touching parameter gradients: what an attack needs. Also
    /// returns the per-example losses [B] and the logits [B, classes] of that pass.
    /// </summary>
    public (Tensor InputGradient, Tensor Losses, Tensor Logits) InputGradient(Tensor input, ArrayView<int> labels)
    {
        var logits = Forward(input, training: false);
        var (losses, dLogits) = loss.LossAndGradient(logits, labels, 1f);
        return (Backward(dLogits, parameterGradients: false), losses, logits);
    }

    /// <summary>
    /// Adds the gradient of the batch's mean cross-entropy w.r.t. every parameter to its gradient
    /// (zero them first with <see cref="ZeroGradients"/>); returns the per-example losses [B] and logits.
    /// </summary>
    public (Tensor Losses, Tensor Logits) ParameterGradients(Tensor input, ArrayView<int> labels, bool training = true) =>
        ParameterGradients(input, labels, training, 1f);

    /// <summary>
    /// Adds <paramref name="weight"/> times the gradient of the batch's mean cross-entropy w.r.t.
    /// every parameter to its gradient: a batch that counts as part of a larger one (its rows over
    /// the larger batch's) adds to the same step. Returns the per-example losses [B] and logits.
    /// </summary>
    public (Tensor Losses, Tensor Logits) ParameterGradients(Tensor input, ArrayView<int> labels, bool training, float weight)
    {
        var logits = Forward(input, training);
        var (losses, dLogits) = loss.LossAndGradient(logits, labels, weight / input.Batch);
        Backward(dLogits, parameterGradients: true);
        return (losses, logits);
    }

    /// <summary>Sets every parameter gradient to zero.</summary>
    public void ZeroGradients()
    {
        foreach (var p in Parameters) p.Gradient.Zero();
    }

    /// <summary>
    /// PyTorch's default initialisation (weights and biases uniform in ±1/√fan_in), from a seed:
    /// the same seed gives the same model.
    /// </summary>
    public void Initialize(int seed)
    {
        var rng = new Random(seed);
        foreach (var layer in layers)
        {
            if (layer.Parameters.Count == 0) continue;
            var w = layer.Parameters[0].Value;
            int fanIn = w.RowLength;
            float bound = 1f / MathF.Sqrt(fanIn);
            foreach (var p in layer.Parameters)
            {
                var data = new float[p.Value.Length];
                for (int i = 0; i < data.Length; i++) data[i] = (float)((rng.NextDouble() * 2 - 1) * bound);
                p.Value.CopyFrom(data);
            }
        }
    }

    /// <summary>Frees every layer's parameters and buffers.</summary>
    public void Dispose()
    {
        if (ownsLayers)
            foreach (var l in layers) l.Dispose();
        loss.Dispose();
    }
}
