using System.Globalization;
using ILGPU;
using IlgpuBlindSpots.Kernels;

namespace IlgpuBlindSpots.Network.Layers;

/// <summary>
/// Fixed per-channel input normalisation <c>y = (x − mean[c]) / std[c]</c>, torchvision's
/// <c>Normalize</c> as a layer: a model that normalises inside takes raw pixels, so an attack's
/// box stays the pixel box [0, 1]. No trainable parameters; the constants live in the spec
/// (<c>norm:MEAN/STD</c>). One value applies to every channel; otherwise one per channel. A flat
/// input (F features) counts as one channel.
/// </summary>
public sealed class NormalizeLayer : ILayer
{
    private readonly ComputeDevice device;
    private readonly LayerBuffer output = new(), inputGradient = new();
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int> forward;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int> backward;
    private readonly Tensor mean, scale;
    private readonly int[] inputShape;
    private Tensor? input;

    /// <summary>(x − mean)/std for inputs of <paramref name="inputShape"/>, with one mean and std, or one per channel.</summary>
    internal NormalizeLayer(ComputeDevice device, int[] inputShape, IReadOnlyList<float> means, IReadOnlyList<float> stds)
    {
        float[] m = means.ToArray(), sd = stds.ToArray();
        Means = m;
        Stds = sd;
        Channels = inputShape.Length == 3 ? inputShape[0] : 1;
        if (m.Length != sd.Length || (m.Length != 1 && m.Length != Channels))
            throw new BlindSpotsException(
                $"{Spec}: needs one mean and one std, or one of each per channel ({Channels} for input {Tensor.Format(inputShape)}), got {m.Length} and {sd.Length}");
        if (sd.Any(v => !(v != 0f && float.IsFinite(v))) || m.Any(v => !float.IsFinite(v)))
            throw new BlindSpotsException($"{Spec}: every std must be finite and non-zero, every mean finite");
        this.device = device;
        this.inputShape = (int[])inputShape.Clone();
        Plane = inputShape.Aggregate(1, (a, b) => a * b) / Channels;
        mean = Tensor.FromArray(device, Enumerable.Range(0, Channels).Select(c => m[m.Length == 1 ? 0 : c]).ToArray(), Channels);
        scale = Tensor.FromArray(device, Enumerable.Range(0, Channels).Select(c => 1f / sd[sd.Length == 1 ? 0 : c]).ToArray(), Channels);
        forward = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(Normalize.Forward);
        backward = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(Normalize.Backward);
    }

    /// <summary>The means as given: one, or one per channel.</summary>
    public IReadOnlyList<float> Means { get; }
    /// <summary>The standard deviations (divisors) as given: one, or one per channel.</summary>
    public IReadOnlyList<float> Stds { get; }
    /// <summary>Channels the values apply to (1 for a flat input).</summary>
    public int Channels { get; }
    /// <summary>Elements of one channel of one example (H·W, or F for a flat input).</summary>
    public int Plane { get; }
    /// <summary>The multipliers the kernel applies, 1/std per channel (float32, as computed on the device).</summary>
    public float[] Scales => scale.ToArray();
    /// <summary>The means per channel (a single mean repeated).</summary>
    public float[] ChannelMeans => mean.ToArray();
    /// <inheritdoc/>
    public BackwardReads ReadsForBackward(bool parameterGradients) => BackwardReads.Nothing;
    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [];

    /// <inheritdoc/>
    public string Spec => Format(Means, Stds);

    /// <summary>The spec token <c>norm:M1;M2/S1;S2</c>, floats in their shortest round-trip form.</summary>
    public static string Format(IReadOnlyList<float> means, IReadOnlyList<float> stds) =>
        "norm:" + string.Join(";", means.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "/" +
        string.Join(";", stds.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

    /// <inheritdoc/>
    public int[] OutputShape(int[] shape)
    {
        if (!shape.SequenceEqual(inputShape))
            throw new BlindSpotsException($"{Spec}: built for input {Tensor.Format(inputShape)}, got {Tensor.Format(shape)}");
        return (int[])shape.Clone();
    }

    /// <inheritdoc/>
    public Tensor Forward(Tensor x, bool training)
    {
        if (x.RowLength != Channels * Plane)
            throw new BlindSpotsException($"{Spec}: expects {Channels * Plane} values per example, got {Tensor.Format(x.Shape)}");
        input = x;
        var y = output.Get(device, x.Shape.ToArray());
        var s = device.Split(x.Batch * Channels);
        forward(s.Threads, s, x.View, y.View, mean.View, scale.View, Channels, Plane);
        return y;
    }

    /// <inheritdoc/>
    public Tensor Backward(Tensor dy, bool parameterGradients)
    {
        var x = input ?? throw new InvalidOperationException("backward before forward");
        if (dy.Length != x.Length)
            throw new BlindSpotsException($"{Spec}: output gradient {Tensor.Format(dy.Shape)} does not match {Tensor.Format(x.Shape)}");
        var dx = inputGradient.Get(device, x.Shape.ToArray());
        var s = device.Split(x.Batch * Channels);
        backward(s.Threads, s, dy.View, dx.View, scale.View, Channels, Plane);
        return dx;
    }

    /// <summary>Frees the layer's buffers.</summary>
    public void Dispose()
    {
        output.Dispose();
        inputGradient.Dispose();
        mean.Dispose();
        scale.Dispose();
    }
}
