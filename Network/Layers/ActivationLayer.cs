using ILGPU;
using IlgpuBlindSpots.Kernels;

namespace IlgpuBlindSpots.Network.Layers;

/// <summary>
/// Element-wise ReLU, sigmoid or tanh: y = f(x) and dX = f′·dY, any shape.
/// The output has its own buffer: the layer before needs its own output (our input) intact for its backward.
/// </summary>
public sealed class ActivationLayer : ILayer
{
    private readonly ComputeDevice device;
    private readonly LayerBuffer output = new(), inputGradient = new();
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>> forward;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>> backward;
    private Tensor? input, lastOutput;

    /// <summary>An activation layer of the given kind on <paramref name="device"/>.</summary>
    internal ActivationLayer(ComputeDevice device, ActivationKind kind)
    {
        this.device = device;
        Kind = kind;
        var k = device.KernelCache;
        (forward, backward) = kind switch
        {
            ActivationKind.Relu => (k.Load<WorkSplit, ArrayView<float>, ArrayView<float>>(Activation.ReluForward),
                k.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>>(Activation.ReluBackward)),
            ActivationKind.Sigmoid => (k.Load<WorkSplit, ArrayView<float>, ArrayView<float>>(Activation.SigmoidForward),
                k.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>>(Activation.SigmoidBackward)),
            _ => (k.Load<WorkSplit, ArrayView<float>, ArrayView<float>>(Activation.TanhForward),
                k.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>>(Activation.TanhBackward)),
        };
    }

    /// <summary>The function applied to every element.</summary>
    public ActivationKind Kind { get; }
    /// <inheritdoc/>
    public string Spec => Kind.ToString().ToLowerInvariant();
    /// <inheritdoc/>
    public BackwardReads ReadsForBackward(bool parameterGradients) => BackwardReads.Output;
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
        forward(s.Threads, s, x.View, y.View);
        lastOutput = y;
        return y;
    }

    /// <summary>
    /// This ReLU's forward pass done by the product before it (<see cref="IReluFusable.ForwardRelu"/>):
    /// <paramref name="y"/>, already max(x, 0), is taken as the layer's output for its backward pass
    /// (which reads only the output) and returned. No launch.
    /// </summary>
    internal Tensor Adopt(Tensor y)
    {
        if (Kind != ActivationKind.Relu)
            throw new InvalidOperationException($"only a ReLU is fused into the product before it, not {Spec}");
        input = y;
        lastOutput = y;
        return y;
    }

    /// <inheritdoc/>
    public Tensor Backward(Tensor dy, bool parameterGradients)
    {
        var y = lastOutput ?? throw new InvalidOperationException("backward before forward");
        if (dy.Length != y.Length)
            throw new BlindSpotsException($"{Spec}: output gradient {Tensor.Format(dy.Shape)} does not match {Tensor.Format(y.Shape)}");
        var dx = inputGradient.Get(device, input!.Shape.ToArray());
        var s = device.Split(y.Length);
        // ReLU's derivative is read off the output as well as the input (y > 0 exactly where x > 0).
        backward(s.Threads, s, y.View, dy.View, dx.View);
        return dx;
    }

    /// <summary>Frees the layer's output buffers.</summary>
    public void Dispose()
    {
        output.Dispose();
        inputGradient.Dispose();
    }
}
