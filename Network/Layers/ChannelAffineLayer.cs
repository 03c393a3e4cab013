using ILGPU;
using IlgpuBlindSpots.Kernels;

namespace IlgpuBlindSpots.Network.Layers;

/// <summary>
/// y = scale[c]·x + shift[c] over inputs (C, ...): an inference-form BatchNormalization that
/// could not be folded into a preceding Conv or Gemm. Scale and shift are trainable.
/// </summary>
public sealed class ChannelAffineLayer : ILayer
{
    private readonly ComputeDevice device;
    private readonly LayerBuffer output = new(), inputGradient = new();
    private readonly int channels, plane;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int> forward;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int> backwardInput;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int> backwardParameters;
    private Tensor? input;

    /// <summary>An affine map per channel of inputs shaped <paramref name="inputShape"/> (C, ...).</summary>
    internal ChannelAffineLayer(ComputeDevice device, int[] inputShape, string name)
    {
        this.device = device;
        channels = inputShape[0];
        plane = inputShape.Skip(1).Aggregate(1, (a, b) => a * b);
        Scale = new Parameter($"{name}.weight", Tensor.Zeros(device, channels), decays: false);
        Shift = new Parameter($"{name}.bias", Tensor.Zeros(device, channels), decays: false);
        Parameters = [Scale, Shift];
        var k = device.KernelCache;
        forward = k.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(ChannelAffine.Forward);
        backwardInput = k.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(ChannelAffine.BackwardInput);
        backwardParameters = k.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(ChannelAffine.BackwardParameters);
    }

    /// <summary>Per-channel factor [C].</summary>
    public Parameter Scale { get; }
    /// <summary>Per-channel offset [C].</summary>
    public Parameter Shift { get; }
    /// <inheritdoc/>
    public BackwardReads ReadsForBackward(bool parameterGradients) => parameterGradients ? BackwardReads.Input : BackwardReads.Nothing;
    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters { get; }
    /// <inheritdoc/>
    public string Spec => $"affine:{channels}";

    /// <inheritdoc/>
    public int[] OutputShape(int[] inputShape) => (int[])inputShape.Clone();

    /// <inheritdoc/>
    public Tensor Forward(Tensor x, bool training)
    {
        input = x;
        var y = output.Get(device, x.Shape.ToArray());
        var s = device.Split(x.Length);
        forward(s.Threads, s, x.View, Scale.Value.View, Shift.Value.View, y.View, channels, plane);
        return y;
    }

    /// <inheritdoc/>
    public Tensor Backward(Tensor dy, bool parameterGradients)
    {
        var x = input ?? throw new InvalidOperationException("backward before forward");
        if (parameterGradients)
        {
            var sp = device.Split(channels);
            backwardParameters(sp.Threads, sp, dy.View, x.View, Scale.Gradient.View, Shift.Gradient.View, channels, plane, x.Batch);
        }
        var dx = inputGradient.Get(device, x.Shape.ToArray());
        var s = device.Split(x.Length);
        backwardInput(s.Threads, s, dy.View, Scale.Value.View, dx.View, channels, plane);
        return dx;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        output.Dispose();
        inputGradient.Dispose();
        Scale.Dispose();
        Shift.Dispose();
    }
}
