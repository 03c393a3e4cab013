using ILGPU;
using ILGPU.Runtime;
using IlgpuBlindSpots.Kernels;

namespace IlgpuBlindSpots.Network;

/// <summary>
/// The convolution layer's products on one device, each in the kernel that suits the backend: on
/// ILGPU's CPU accelerator the register-tiled <see cref="Convolution"/> kernels, on GPU and OpenCL
/// backends the shared-memory implicit GEMM <see cref="ConvGroupedGemm"/> for the forward product
/// and the input gradient wherever the product has at least <see cref="GroupedMinChannels"/>
/// channels on its output side (its 64-channel tiles would idle on fewer). The weight and bias
/// gradients keep the register tiles on every backend.
/// </summary>
internal sealed class ConvolutionProducts
{
    /// <summary>
    /// Fewest output-side channels for which a grouped backend takes the implicit GEMM: a 1-channel
    /// input gradient (the first layer's) would fill 1 of the tile's 64 channel rows.
    /// </summary>
    public const int GroupedMinChannels = 16;

    private readonly ComputeDevice device;
    private readonly bool grouped;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape> forward;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape> backwardInput;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape, float> backwardWeights;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ConvShape, float> backwardBias;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>? groupedForward;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>? groupedBackwardInput;

    public ConvolutionProducts(ComputeDevice device)
    {
        this.device = device;
        grouped = device.PrefersGroupedKernels;
        var k = device.KernelCache;
        forward = k.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>(Convolution.Forward);
        backwardInput = k.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>(Convolution.BackwardInput);
        backwardWeights = k.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape, float>(Convolution.BackwardWeights);
        backwardBias = k.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ConvShape, float>(Convolution.BackwardBias);
        if (!grouped) return;
        groupedForward = k.LoadGrouped<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>(ConvGroupedGemm.Forward);
        groupedBackwardInput = k.LoadGrouped<ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>(ConvGroupedGemm.BackwardInput);
    }

    /// <summary>Whether this device runs <paramref name="c"/>'s forward product as the implicit GEMM.</summary>
    public bool GroupedForward(ConvShape c) => grouped && c.OutChannels >= GroupedMinChannels;

    /// <summary>Whether this device runs <paramref name="c"/>'s input gradient as the implicit GEMM.</summary>
    public bool GroupedBackwardInput(ConvShape c) => grouped && c.InChannels >= GroupedMinChannels;

    /// <summary>y = conv(x, W) + b: x [B, C, H, W], W [O, C, KH, KW], b [O], y [B, O, OH, OW].</summary>
    public void Forward(ArrayView<float> x, ArrayView<float> w, ArrayView<float> bias, ArrayView<float> y, ConvShape c)
    {
        if (GroupedForward(c))
        {
            groupedForward!(new KernelConfig(ConvGroupedGemm.ForwardGroups(c), ConvGroupedGemm.GroupSize), x, w, bias, y, c);
            return;
        }
        var s = device.Split(Convolution.ForwardItems(c));
        forward(s.Threads, s, x, w, bias, y, c);
    }

    /// <summary>dX of the convolution, overwritten: dY [B, O, OH, OW], W [O, C, KH, KW], dX [B, C, H, W].</summary>
    public void BackwardInput(ArrayView<float> dy, ArrayView<float> w, ArrayView<float> dx, ConvShape c)
    {
        if (GroupedBackwardInput(c))
        {
            groupedBackwardInput!(new KernelConfig(ConvGroupedGemm.BackwardInputGroups(c), ConvGroupedGemm.GroupSize), dy, w, dx, c);
            return;
        }
        var s = device.Split(Convolution.BackwardInputItems(c));
        backwardInput(s.Threads, s, dy, w, dx, c);
    }

    /// <summary>dW = beta·dW + Σ dY ⋆ x and db = beta·db + Σ dY; beta 0 overwrites, 1 accumulates.</summary>
    public void BackwardParameters(ArrayView<float> dy, ArrayView<float> x, ArrayView<float> dw, ArrayView<float> db, ConvShape c, float beta)
    {
        var sw = device.Split(Convolution.BackwardWeightsItems(c));
        backwardWeights(sw.Threads, sw, dy, x, dw, c, beta);
        var sb = device.Split(Convolution.BackwardBiasItems(c));
        backwardBias(sb.Threads, sb, dy, db, c, beta);
    }
}
