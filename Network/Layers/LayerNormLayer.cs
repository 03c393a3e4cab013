using ILGPU;
using IlgpuBlindSpots.Kernels;

namespace IlgpuBlindSpots.Network.Layers;

/// <summary>
/// ONNX LayerNormalization from axis <see cref="Axis"/> of the full shape to the last: each block of
/// the trailing axes normalised to mean 0 and variance 1, then scaled and shifted per position of the
/// block (weight and bias); see <see cref="LayerNormalization"/>.
/// </summary>
public sealed class LayerNormLayer : ILayer
{
    private readonly ComputeDevice device;
    private readonly int[] inputShape;
    private readonly int length;
    private readonly LayerBuffer output = new(), stats = new(), inputGradient = new();
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float> forward;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int> backwardInput;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int> backwardParameters;
    private Tensor? input, lastStats;

    /// <summary>Normalisation of examples of <paramref name="inputShape"/> over the full shape's axes from <paramref name="axis"/> (≥ 1) on; weight 1 and bias 0.</summary>
    internal LayerNormLayer(ComputeDevice device, int[] inputShape, int axis, float epsilon, string name)
    {
        if (axis < 1 || axis > inputShape.Length)
            throw new BlindSpotsException($"layernorm from axis {axis} of {Tensor.Format([1, .. inputShape])}: only axes after the batch axis are supported");
        if (!(epsilon > 0) || float.IsInfinity(epsilon))
            throw new BlindSpotsException($"layernorm: epsilon {epsilon} is not a positive number");
        this.device = device;
        this.inputShape = (int[])inputShape.Clone();
        Axis = axis;
        Epsilon = epsilon;
        length = inputShape.Skip(axis - 1).Aggregate(1, (a, b) => a * b);
        Weight = new Parameter($"{name}.weight", Tensor.FromArray(device, Enumerable.Repeat(1f, length).ToArray(), length), decays: false);
        Bias = new Parameter($"{name}.bias", Tensor.Zeros(device, length), decays: false);
        Parameters = [Weight, Bias];
        var k = device.KernelCache;
        forward = k.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float>(LayerNormalization.Forward);
        backwardInput = k.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(LayerNormalization.BackwardInput);
        backwardParameters = k.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(LayerNormalization.BackwardParameters);
    }

    /// <summary>The first normalised axis of the full shape (0 is the batch).</summary>
    public int Axis { get; }
    /// <summary>ε added to the variance.</summary>
    public float Epsilon { get; }
    /// <summary>Scale per position of the normalised block.</summary>
    public Parameter Weight { get; }
    /// <summary>Shift per position of the normalised block.</summary>
    public Parameter Bias { get; }
    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters { get; }
    /// <inheritdoc/>
    public string Spec => $"layernorm:{Axis}";
    /// <inheritdoc/>
    public BackwardReads ReadsForBackward(bool parameterGradients) => BackwardReads.Input;
    /// <inheritdoc/>
    public int[] OutputShape(int[] shape) => (int[])inputShape.Clone();

    /// <inheritdoc/>
    public Tensor Forward(Tensor x, bool training)
    {
        if (x.RowLength != inputShape.Aggregate(1, (a, b) => a * b))
            throw new BlindSpotsException($"{Spec}: expects examples of {Tensor.Format(inputShape)}, got {Tensor.Format(x.Shape)}");
        input = x;
        int rows = x.Length / length;
        var y = output.Get(device, x.Shape.ToArray());
        lastStats = stats.Get(device, [rows, 2]);
        var s = device.Split(rows);
        forward(s.Threads, s, x.View, Weight.Value.View, Bias.Value.View, y.View, lastStats.View, length, Epsilon);
        return y;
    }

    /// <inheritdoc/>
    public Tensor Backward(Tensor dy, bool parameterGradients)
    {
        var x = input ?? throw new InvalidOperationException("backward before forward");
        int rows = x.Length / length;
        if (parameterGradients)
        {
            var sp = device.Split(length);
            backwardParameters(sp.Threads, sp, dy.View, x.View, lastStats!.View, Weight.Gradient.View, Bias.Gradient.View, length, rows);
        }
        var dx = inputGradient.Get(device, x.Shape.ToArray());
        var s = device.Split(rows);
        backwardInput(s.Threads, s, dy.View, x.View, Weight.Value.View, lastStats!.View, dx.View, length);
        return dx;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        output.Dispose();
        stats.Dispose();
        inputGradient.Dispose();
        Weight.Dispose();
        Bias.Dispose();
    }
}
