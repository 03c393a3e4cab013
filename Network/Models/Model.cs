using ILGPU;
using IlgpuBlindSpots.Network.Layers;
using IlgpuBlindSpots.Network.Losses;

namespace IlgpuBlindSpots.Network.Models;

/// <summary>
/// What every consumer of a model needs, whatever its layers are wired as: a chain
/// (<see cref="SequentialModel"/>) or a directed acyclic graph of layers.
/// Batched forward and backward passes on the device, the gradient of a cross-entropy w.r.t. the
/// input (what an attack needs) and w.r.t. the parameters (what training needs), nothing read back.
/// </summary>
public abstract class Model : IDisposable
{
    private readonly SoftmaxCrossEntropyLoss loss;

    /// <summary>A model on <paramref name="device"/> taking examples of <paramref name="inputShape"/> and giving <paramref name="outputShape"/>.</summary>
    protected Model(ComputeDevice device, int[] inputShape, int[] outputShape)
    {
        Device = device;
        InputShape = (int[])inputShape.Clone();
        OutputShape = (int[])outputShape.Clone();
        loss = new SoftmaxCrossEntropyLoss(device);
    }

    /// <summary>The device holding the parameters; inputs must live there too.</summary>
    public ComputeDevice Device { get; }
    /// <summary>Per-example input shape, e.g. (C, H, W).</summary>
    public int[] InputShape { get; }
    /// <summary>Elements of one input example.</summary>
    public int InputLength => InputShape.Aggregate(1, (a, b) => a * b);
    /// <summary>Per-example output shape; a classifier's is (classes).</summary>
    public int[] OutputShape { get; }
    /// <summary>Values of one example's output: the number of classes of a classifier.</summary>
    public int Classes => OutputShape.Aggregate(1, (a, b) => a * b);
    /// <summary>Every layer, in the order a forward pass runs them.</summary>
    public abstract IReadOnlyList<ILayer> Layers { get; }
    /// <summary>Every layer's parameters, in the order of <see cref="Layers"/>.</summary>
    public abstract IReadOnlyList<Parameter> Parameters { get; }
    /// <summary>Number of trainable scalars.</summary>
    public long ParameterCount => Parameters.Sum(p => (long)p.Value.Length);
    /// <summary>One line saying what the model is: the architecture spec of a chain, a summary of a graph.</summary>
    public abstract string Description { get; }

    /// <summary>
    /// Whether a product (dense, convolution) whose output only the ReLU after it reads applies that
    /// ReLU as it stores, in one launch (the default; the same floats either way). Off, every layer
    /// runs its own launch: for measuring and testing what fusing saves.
    /// </summary>
    public bool FusesActivations { get; set; } = true;

    /// <summary>How many product–ReLU pairs a forward pass runs as one launch while <see cref="FusesActivations"/> is on (none unless a model says).</summary>
    public virtual int FusedPairs => 0;

    /// <summary>
    /// Runs the model on a batch [B, ..InputShape] (or [B, InputLength]) and returns its output
    /// [B, ..]; <paramref name="training"/> switches dropout on. The output belongs to the model and
    /// is overwritten by its next pass: copy it (<see cref="Tensor.ToArray"/>) to keep it.
    /// </summary>
    /// <exception cref="BlindSpotsException">The inputs do not have <see cref="InputLength"/> values per example.</exception>
    public abstract Tensor Forward(Tensor input, bool training);

    /// <summary>
    /// <see cref="Forward(Tensor, bool)"/>, saying what backward pass may follow (<paramref name="then"/>)
    /// so that a model can free what it will not read: a graph model keeps fewer activations.
    /// A backward pass beyond <paramref name="then"/> is refused.
    /// </summary>
    public virtual Tensor Forward(Tensor input, bool training, BackwardUse then) => Forward(input, training);

    /// <summary>
    /// Back-propagates dLoss/dOutput of the last forward batch and returns dLoss/dInput [B, ..InputShape];
    /// with <paramref name="parameterGradients"/> also adds dLoss/dParameter to every parameter's gradient.
    /// </summary>
    public abstract Tensor Backward(Tensor outputGradient, bool parameterGradients);

    /// <summary>Evaluation-mode logits [B, classes].</summary>
    /// A backward pass for the input gradient may follow (an attack's loss of its own).
    public Tensor Logits(Tensor input) => Forward(input, training: false, BackwardUse.Input);

    /// <summary>Evaluation-mode logits [B, classes] with <paramref name="then"/> to follow: <see cref="BackwardUse.None"/> for evaluation and prediction, in the least memory.</summary>
    public Tensor Logits(Tensor input, BackwardUse then) => Forward(input, training: false, then);

    /// <summary>Evaluation-mode class probabilities [B, classes].</summary>
    public Tensor Probabilities(Tensor input) => loss.Probabilities(Logits(input));

    /// <summary>
    /// Gradient of each example's own cross-entropy loss w.r.t. its input, [B, ..InputShape], in
    /// evaluation mode and without touching parameter gradients: what an attack needs. Also
    /// returns the per-example losses [B] and the logits [B, classes] of that pass.
    /// </summary>
    public (Tensor InputGradient, Tensor Losses, Tensor Logits) InputGradient(Tensor input, ArrayView<int> labels)
    {
        var logits = Forward(input, training: false, BackwardUse.Input);
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
        var logits = Forward(input, training, BackwardUse.Parameters);
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
    /// PyTorch's default initialisation (every parameter of a layer uniform in ±1/√fan_in of its
    /// first parameter, the weight), from a seed: the same seed gives the same model.
    /// </summary>
    public void Initialize(int seed)
    {
        var rng = new Random(seed);
        foreach (var layer in Layers)
        {
            if (layer.Parameters.Count == 0) continue;
            int fanIn = layer.Parameters[0].Value.RowLength;
            float bound = 1f / MathF.Sqrt(fanIn);
            foreach (var p in layer.Parameters)
            {
                var data = new float[p.Value.Length];
                for (int i = 0; i < data.Length; i++) data[i] = (float)((rng.NextDouble() * 2 - 1) * bound);
                p.Value.CopyFrom(data);
            }
        }
    }

    /// <summary>
    /// The model as a chain, for what only a chain of layers has (a layer's position, the model
    /// above a layer, per-layer bounds); a graph is refused in one line naming <paramref name="feature"/>.
    /// </summary>
    /// <exception cref="BlindSpotsException">The model is not a chain.</exception>
    public SequentialModel AsChain(string feature) => this as SequentialModel
        ?? throw new BlindSpotsException($"{feature} needs a chain of layers; this model is a graph ({Description})");

    /// <summary>
    /// The input batch shaped [B, ..InputShape], checked to have <see cref="InputLength"/> values per example.
    /// </summary>
    protected Tensor Shaped(Tensor input)
    {
        if (input.RowLength != InputLength)
            throw new BlindSpotsException(
                $"model expects inputs of {Tensor.Format(InputShape)} ({InputLength} values), got a batch of {Tensor.Format(input.Shape)}");
        return input.Rank == InputShape.Length + 1 ? input : input.Reshape([input.Batch, .. InputShape]);
    }

    /// <summary>Frees the layers this model owns.</summary>
    protected abstract void DisposeLayers();

    /// <summary>Frees every layer's parameters and buffers.</summary>
    public void Dispose()
    {
        DisposeLayers();
        loss.Dispose();
        GC.SuppressFinalize(this);
    }
}
