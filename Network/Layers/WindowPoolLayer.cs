using ILGPU;
using ILGPU.Runtime;
using IlgpuBlindSpots.Kernels;

namespace IlgpuBlindSpots.Network.Layers;

/// <summary>
/// Max or average pooling with ONNX's full geometry (asymmetric pads, dilations, ceil mode; see
/// <see cref="WindowPooling"/>); global average pooling is the window covering the whole plane.
/// Input (C, H, W), output (C, OH, OW).
/// </summary>
public sealed class WindowPoolLayer : ILayer
{
    private readonly ComputeDevice device;
    private readonly LayerBuffer output = new(), inputGradient = new();
    private readonly int channels;
    private readonly Window2d window;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<int>, Window2d>? maxForward;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<float>, Window2d>? maxBackward;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, Window2d, int>? averageForward;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, Window2d, int>? averageBackward;
    private MemoryBuffer1D<int, Stride1D.Dense>? argMax;
    private Tensor? input;

    /// <summary>Pooling of (C, H, W) inputs over <paramref name="window"/>: max, or average (<paramref name="countIncludePad"/> as ONNX's attribute).</summary>
    internal WindowPoolLayer(ComputeDevice device, int channels, Window2d window, bool max, bool countIncludePad)
    {
        this.device = device;
        this.channels = channels;
        this.window = window;
        IsMax = max;
        CountIncludePad = countIncludePad;
        var k = device.KernelCache;
        if (max)
        {
            maxForward = k.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<int>, Window2d>(WindowPooling.MaxForward);
            maxBackward = k.Load<WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<float>, Window2d>(WindowPooling.MaxBackward);
        }
        else
        {
            averageForward = k.Load<WorkSplit, ArrayView<float>, ArrayView<float>, Window2d, int>(WindowPooling.AverageForward);
            averageBackward = k.Load<WorkSplit, ArrayView<float>, ArrayView<float>, Window2d, int>(WindowPooling.AverageBackward);
        }
    }

    /// <summary>Max pooling (else average).</summary>
    public bool IsMax { get; }
    /// <summary>Whether an average counts padded cells.</summary>
    public bool CountIncludePad { get; }
    /// <summary>The window geometry.</summary>
    public Window2d Window => window;
    /// <inheritdoc/>
    public string Spec => $"{(IsMax ? "maxpool" : "avgpool")}:{window.KernelH}x{window.KernelW}s{window.StrideH}";
    /// <inheritdoc/>
    public BackwardReads ReadsForBackward(bool parameterGradients) => BackwardReads.Nothing;
    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [];

    /// <inheritdoc/>
    public int[] OutputShape(int[] inputShape) => [channels, window.OutH, window.OutW];

    /// <inheritdoc/>
    public Tensor Forward(Tensor x, bool training)
    {
        input = x;
        var y = output.Get(device, [x.Batch, channels, window.OutH, window.OutW]);
        var s = device.Split(y.Length);
        if (IsMax)
        {
            if (argMax is null || argMax.Length != y.Length)
            {
                argMax?.Dispose();
                argMax = device.Accelerator.Allocate1D<int>(y.Length);
            }
            maxForward!(s.Threads, s, x.View, y.View, argMax.View, window);
        }
        else
        {
            averageForward!(s.Threads, s, x.View, y.View, window, CountIncludePad ? 1 : 0);
        }
        return y;
    }

    /// <inheritdoc/>
    public Tensor Backward(Tensor dy, bool parameterGradients)
    {
        var x = input ?? throw new InvalidOperationException("backward before forward");
        var dx = inputGradient.Get(device, x.Shape.ToArray());
        var s = device.Split(x.Batch * channels);
        if (IsMax) maxBackward!(s.Threads, s, dy.View, argMax!.View, dx.View, window);
        else averageBackward!(s.Threads, s, dy.View, dx.View, window, CountIncludePad ? 1 : 0);
        return dx;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        output.Dispose();
        inputGradient.Dispose();
        argMax?.Dispose();
    }
}
