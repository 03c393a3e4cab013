using System.Globalization;
using ILGPU;
using IlgpuBlindSpots.Kernels;

namespace IlgpuBlindSpots.Network.Layers;

/// <summary>
/// Inverted dropout: in training each element is kept with probability 1 − p and scaled by
/// 1/(1 − p); in evaluation it is the identity and launches nothing.
/// </summary>
public sealed class DropoutLayer : ILayer
{
    private readonly ComputeDevice device;
    private readonly LayerBuffer output = new(), mask = new(), inputGradient = new();
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, int, int> forward;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>> backward;
    private Tensor? input;
    private bool lastWasTraining;
    private int step;

    /// <summary>Dropout with drop probability <paramref name="probability"/> and mask seed <paramref name="seed"/>.</summary>
    internal DropoutLayer(ComputeDevice device, float probability, int seed)
    {
        if (!(probability >= 0f && probability < 1f))
            throw new BlindSpotsException($"dropout probability must be in [0, 1), got {probability}");
        this.device = device;
        Probability = probability;
        Seed = seed;
        forward = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, int, int>(Dropout.Forward);
        backward = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>>(Dropout.Backward);
    }

    /// <summary>p: the probability that an element is zeroed in training.</summary>
    public float Probability { get; }
    /// <summary>Seed of the mask hash; each dropout layer of a model gets its own, so masks differ between layers.</summary>
    public int Seed { get; set; }
    /// <summary>Training batches seen so far, the mask hash's second counter; a training checkpoint saves and restores it.</summary>
    public int Step { get => step; set => step = value; }
    /// <inheritdoc/>
    public string Spec => $"dropout:{Probability.ToString(CultureInfo.InvariantCulture)}";
    /// <inheritdoc/>
    public BackwardReads ReadsForBackward(bool parameterGradients) => BackwardReads.Nothing;
    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [];

    /// <inheritdoc/>
    public int[] OutputShape(int[] inputShape) => (int[])inputShape.Clone();

    /// <inheritdoc/>
    public Tensor Forward(Tensor x, bool training)
    {
        input = x;
        lastWasTraining = training && Probability > 0f;
        if (!lastWasTraining) return x;
        var y = output.Get(device, x.Shape.ToArray());
        var m = mask.Get(device, x.Shape.ToArray());
        var s = device.Split(x.Length);
        // A fresh mask every training batch: the step is the hash's second counter.
        forward(s.Threads, s, x.View, y.View, m.View, Probability, Seed, step++);
        return y;
    }

    /// <inheritdoc/>
    public Tensor Backward(Tensor dy, bool parameterGradients)
    {
        if (!lastWasTraining) return dy;
        var dx = inputGradient.Get(device, input!.Shape.ToArray());
        var m = mask.Get(device, input.Shape.ToArray());
        var s = device.Split(dx.Length);
        backward(s.Threads, s, m.View, dy.View, dx.View);
        return dx;
    }

    /// <summary>Frees the layer's buffers.</summary>
    public void Dispose()
    {
        output.Dispose();
        mask.Dispose();
        inputGradient.Dispose();
    }
}
