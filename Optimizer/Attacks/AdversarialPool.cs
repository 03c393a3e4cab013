using System.Diagnostics;
using ILGPU;
using ILGPU.Runtime;
using IlgpuBlindSpots.Network.Data;
using IlgpuBlindSpots.Network.Layers;
using IlgpuBlindSpots.Network.Models;
using IlgpuBlindSpots.Network.Training;

namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// The pool of adversarial examples of Szegedy et al. (2013), section 4.2: adversarial versions of
/// training examples, made by the minimal-perturbation <see cref="LbfgsAttack"/> against the model
/// being trained and labelled with their true class, a random part of which is regenerated every
/// <see cref="AdversarialPoolOptions.RefreshEvery"/> steps while <see cref="Trainer"/> mixes the
/// pool into every batch.
/// </summary>
/// <remarks>
/// <para>A pool of layer k &gt; 0 (<see cref="AdversarialPoolOptions.Layer"/>) holds adversarial
/// outputs of the first k layers instead: the drawn examples are run through those layers, their
/// outputs attacked as the inputs of the model above (<see cref="SequentialModel.Above"/>), and the
/// trainer trains the layers above k on them. The paper found this essential: "we only got
/// improvements by generating adversarial examples for each layer outputs which were used to train
/// all the layers above".</para>
/// At each regeneration <see cref="AdversarialPoolOptions.RefreshCount"/> training examples, drawn
/// from the seed and the step, are attacked as one device batch with the model in evaluation mode
/// (dropout off). Each success fills the next empty slot, or once the pool is full replaces a
/// slot drawn at random; failures and examples the model already misclassifies add nothing.
/// </remarks>
public sealed class AdversarialPool : IExamplePool, IDisposable
{
    private readonly ComputeDevice device;
    private readonly Dataset source;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> labels;
    private readonly LbfgsAttack attack;
    private readonly int width;
    private SequentialModel? viewOf, above;
    private readonly Stopwatch attackClock = new();
    private double distortionSum;

    /// <summary>An empty pool of <see cref="AdversarialPoolOptions.Size"/> examples of <paramref name="source"/>'s shape on <paramref name="device"/>.</summary>
    /// <param name="device">The training device.</param>
    /// <param name="source">The training data, whose examples are attacked.</param>
    /// <param name="options">Size, regeneration and attack settings.</param>
    public AdversarialPool(ComputeDevice device, Dataset source, AdversarialPoolOptions options)
        : this(device, source, options, source?.ImageSize ?? 0)
    {
        if (options.Layer != 0)
            throw new ArgumentException("a pool of a hidden layer needs the model: use the constructor that takes it", nameof(options));
    }

    /// <summary>
    /// An empty pool of <see cref="AdversarialPoolOptions.Size"/> examples for <paramref name="model"/>:
    /// inputs shaped as <paramref name="source"/>'s, or outputs of its first
    /// <see cref="AdversarialPoolOptions.Layer"/> layers, which must end in a sigmoid.
    /// </summary>
    /// <param name="model">The model that will be trained (its shape and layers are checked here).</param>
    /// <param name="source">The training data, whose examples are attacked.</param>
    /// <param name="options">Size, layer, regeneration and attack settings.</param>
    /// <exception cref="BlindSpotsException">The layer is not a hidden layer with outputs in [0, 1].</exception>
    public AdversarialPool(Model model, Dataset source, AdversarialPoolOptions options)
        : this(model?.Device!, source, options, Width(model!, options))
    {
    }

    private AdversarialPool(ComputeDevice device, Dataset source, AdversarialPoolOptions options, int width)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (source.Count == 0) throw new BlindSpotsException($"{source.Source}: no examples to make adversarial");
        this.device = device;
        this.source = source;
        this.width = width;
        Options = options;
        Images = Tensor.Zeros(device, options.Size, width);
        labels = device.Accelerator.Allocate1D<int>(options.Size);
        attack = new LbfgsAttack(options.Attack with { BatchSize = options.RefreshCount });
    }

    /// <summary>
    /// The positions k (1 ≤ k &lt; layers) whose outputs can hold a pool: those of a sigmoid, which
    /// lie in [0, 1], the box the attack searches. With 0 for the input, the paper's pool per layer.
    /// </summary>
    public static int[] HiddenLayers(SequentialModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var layers = model.Layers;
        return Enumerable.Range(1, Math.Max(0, layers.Count - 1)).Where(k => IsSigmoid(layers[k - 1])).ToArray();
    }

    private static bool IsSigmoid(ILayer layer) => layer.Spec.StartsWith("sigmoid", StringComparison.Ordinal);

    /// <summary>Values per example: the outputs of layer <see cref="AdversarialPoolOptions.Layer"/>, checked to lie in [0, 1].</summary>
    private static int Width(Model graph, AdversarialPoolOptions options)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(options);
        int k = options.Layer;
        if (k == 0) return graph.InputLength;
        var model = graph.AsChain("--pool-layers");
        var layers = model.Layers;
        if (k >= layers.Count)
            throw new BlindSpotsException($"--pool-layers: layer {k} of {model.Architecture} is not a hidden layer (the model has layers 1..{layers.Count}, the last gives the logits)");
        if (!IsSigmoid(layers[k - 1]))
            throw new BlindSpotsException($"--pool-layers: layer {k} of {model.Architecture} is {layers[k - 1].Spec}; a hidden pool needs a sigmoid's outputs, which lie in [0, 1], the box the attack searches");
        return model.ShapeAfter(k).Aggregate(1, (a, b) => a * b);
    }

    /// <inheritdoc/>
    public int Layer => Options.Layer;

    /// <summary>The pool's settings.</summary>
    public AdversarialPoolOptions Options { get; }

    /// <inheritdoc/>
    public int Count { get; private set; }

    /// <inheritdoc/>
    public Tensor Images { get; }

    /// <inheritdoc/>
    public ArrayView<int> Labels => labels.View;

    /// <inheritdoc/>
    public string Description => Options.Description;

    /// <summary>Training examples attacked so far in this process (restored pool contents not counted).</summary>
    public long Attacked { get; private set; }

    /// <summary>Examples put into the pool so far: successful attacks within the distortion bound.</summary>
    public long Made { get; private set; }

    /// <summary>Evaluations of the attack loss and its input gradient (model forward and backward passes, one row each) spent so far.</summary>
    public long Evaluations { get; private set; }

    /// <summary>Successful attacks left out for a distortion above <see cref="AdversarialPoolOptions.MaxDistortion"/>.</summary>
    public long TooLarge { get; private set; }

    /// <summary>Mean RMS distortion √(Σr²/n) of the examples made so far; NaN before the first.</summary>
    public double MeanDistortion => Made == 0 ? double.NaN : distortionSum / Made;

    /// <summary>Wall-clock time spent regenerating (attacks and uploads).</summary>
    public TimeSpan AttackTime => attackClock.Elapsed;

    /// <summary>The results of the latest regeneration, one per attacked example (for inspection).</summary>
    public IReadOnlyList<AttackResult> LastResults { get; private set; } = [];

    /// <summary>The pool slots written by the latest regeneration, in the order of the successes of <see cref="LastResults"/> that were kept (within the distortion bound).</summary>
    public IReadOnlyList<int> LastSlots { get; private set; } = [];

    /// <inheritdoc/>
    public void BeforeStep(Model model, long step)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (step % Options.RefreshEvery != 0) return;
        Regenerate(model, step);
    }

    /// <summary>Attacks <see cref="AdversarialPoolOptions.RefreshCount"/> training examples drawn for <paramref name="step"/> and puts the successes into the pool.</summary>
    public void Regenerate(Model model, long step)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Device != device || model.InputLength != source.ImageSize
            || (Layer > 0 && (model is not SequentialModel chain || Layer >= chain.Layers.Count || chain.ShapeAfter(Layer).Aggregate(1, (a, b) => a * b) != width)))
            throw new ArgumentException("the model does not fit the pool's device and examples", nameof(model));
        attackClock.Start();
        try
        {
            var rng = new Random(Mix(Options.Seed, step));
            int m = Options.RefreshCount, n = source.ImageSize, w = width;
            var picked = new int[m];
            var rows = new float[m * n];
            for (int i = 0; i < m; i++)
            {
                picked[i] = rng.Next(source.Count);
                source.Images.AsSpan(picked[i] * n, n).CopyTo(rows.AsSpan(i * n, n));
            }
            var pickedLabels = picked.Select(i => source.Labels[i]).ToArray();
            Criterion criterion = Options.Target switch
            {
                PoolTarget.Next => new NextClass(),
                PoolTarget.Any => new Misclassification(),
                _ => new TargetedMisclassification(TargetSelection.Random(pickedLabels, model.Classes, rng.Next())),
            };
            using var inputs = Tensor.FromArray(device, rows, [m, .. model.InputShape]);
            var results = Layer == 0 ? attack.Run(model, inputs, pickedLabels, criterion) : AttackAbove(model, inputs, pickedLabels, criterion);

            var slots = new List<int>();
            foreach (var r in results)
            {
                Evaluations += r.Evaluations;
                if (!r.Success) continue;
                if (r.Distortion.Rms > Options.MaxDistortion)
                {
                    TooLarge++;
                    continue;
                }
                int slot = Count < Options.Size ? Count++ : rng.Next(Options.Size);
                Images.View.SubView((long)slot * w, w).CopyFromCPU(r.Adversarial);
                labels.View.SubView(slot, 1).CopyFromCPU([r.Label]);
                distortionSum += r.Distortion.Rms;
                slots.Add(slot);
            }
            Attacked += m;
            Made += slots.Count;
            LastResults = results;
            LastSlots = slots;
        }
        finally
        {
            attackClock.Stop();
        }
    }

    /// <summary>Runs the inputs through the first <see cref="Layer"/> layers and attacks their outputs as inputs of the layers above.</summary>
    private IReadOnlyList<AttackResult> AttackAbove(Model graph, Tensor inputs, int[] labels, Criterion criterion)
    {
        var model = graph.AsChain("--pool-layers");
        if (above == null || viewOf != model)
        {
            above?.Dispose();
            above = model.Above(Layer);
            viewOf = model;
        }
        // Copied on the device: the layer's own output tensor is overwritten by the attack's passes.
        using var hidden = Tensor.Allocate(device, [inputs.Batch, .. above.InputShape]);
        hidden.CopyFrom(model.Activations(inputs, Layer));
        return attack.Run(above, hidden, labels, criterion);
    }

    /// <inheritdoc/>
    public void Restore(ReadOnlySpan<float> images, ReadOnlySpan<int> restoredLabels)
    {
        int count = restoredLabels.Length, n = width;
        if (count > Options.Size || images.Length != count * n)
            throw new BlindSpotsException($"a saved pool of {count} examples ({images.Length} values) does not fit a pool of {Options.Size} examples of {n} values");
        if (count > 0)
        {
            Images.View.SubView(0, (long)count * n).CopyFromCPU(images.ToArray());
            labels.View.SubView(0, count).CopyFromCPU(restoredLabels.ToArray());
        }
        Count = count;
    }

    private static int Mix(int seed, long step)
    {
        ulong h = unchecked((ulong)step * 0xD6E8FEB86659FD93ul ^ (uint)seed * 0x9E3779B97F4A7C15ul);
        h ^= h >> 29;
        h *= 0xBF58476D1CE4E5B9ul;
        h ^= h >> 32;
        return (int)(h & 0x7FFFFFFF);
    }

    /// <summary>Frees the pool's device memory.</summary>
    public void Dispose()
    {
        above?.Dispose();
        Images.Dispose();
        labels.Dispose();
    }
}
