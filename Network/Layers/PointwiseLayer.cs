using ILGPU;
using IlgpuBlindSpots.Kernels;

namespace IlgpuBlindSpots.Network.Layers;

/// <summary>An element-wise activation of <see cref="Pointwise"/> (Clip, LeakyRelu, Elu, …) with its two attributes.</summary>
public sealed class PointwiseLayer : ILayer
{
    private readonly ComputeDevice device;
    private readonly LayerBuffer output = new(), inputGradient = new();
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, int, float, float> forward;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float, float> backward;
    private Tensor? input;

    /// <summary>The op <paramref name="op"/> (a <see cref="PointwiseOp"/> code) with attributes a and b; <paramref name="name"/> is the ONNX op it stands for.</summary>
    internal PointwiseLayer(ComputeDevice device, int op, float a, float b, string name)
    {
        this.device = device;
        Op = op;
        A = a;
        B = b;
        Name = name;
        forward = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, int, float, float>(Pointwise.Forward);
        backward = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float, float>(Pointwise.Backward);
    }

    /// <summary>The <see cref="PointwiseOp"/> code.</summary>
    public int Op { get; }
    /// <summary>First attribute.</summary>
    public float A { get; }
    /// <summary>Second attribute.</summary>
    public float B { get; }
    /// <summary>The ONNX op type.</summary>
    public string Name { get; }
    /// <inheritdoc/>
    public string Spec => Name.ToLowerInvariant();
    /// <inheritdoc/>
    public BackwardReads ReadsForBackward(bool parameterGradients) => BackwardReads.Input;
    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [];
    /// <inheritdoc/>
    public int[] OutputShape(int[] inputShape) => (int[])inputShape.Clone();

    /// <inheritdoc/>
    public Tensor Forward(Tensor x, bool training)
    {
        input = x;
        var y = output.Get(device, x.Shape.ToArray());
        var s = device.Split(x.Length);
        forward(s.Threads, s, x.View, y.View, Op, A, B);
        return y;
    }

    /// <inheritdoc/>
    public Tensor Backward(Tensor dy, bool parameterGradients)
    {
        var x = input ?? throw new InvalidOperationException("backward before forward");
        var dx = inputGradient.Get(device, x.Shape.ToArray());
        var s = device.Split(x.Length);
        backward(s.Threads, s, x.View, dy.View, dx.View, Op, A, B);
        return dx;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        output.Dispose();
        inputGradient.Dispose();
    }
}
