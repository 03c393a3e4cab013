using ILGPU;
using ILGPU.Runtime;
using IlgpuBlindSpots.Kernels;

namespace IlgpuBlindSpots.Network;

/// <summary>
/// The convolution layer's products on one device, each in the kernel that suits the device: on
/// GPUs (<see cref="ComputeDevice.IsGpu"/>) the shared-memory implicit GEMM
/// <see cref="ConvGroupedGemm"/> for the forward product and the input gradient wherever the
/// product has at least <see cref="GroupedMinChannels"/> channels on its output side (its
/// 64-channel tiles would idle on fewer), and <see cref="ConvGroupedWeightGradient"/> (split over
/// pixel chunks, then summed) for the weight gradient; everywhere else the register-tiled
/// <see cref="Convolution"/> kernels. The bias gradient keeps its one-thread-per-channel kernel.
/// </summary>
/// <remarks>
/// Unlike the dense products, an OpenCL CPU device keeps the register tiles: measured on PoCL 7
/// (Bench/RESULTS.md, "Convolution on grouped backends"), the implicit GEMMs ran every conv-mnist
/// and resnet18 shape at or below the register tiles of the same run (the forward product at
/// 0.14–0.95×, the input gradient at 0.4× and less), which PoCL vectorises across work items.
/// </remarks>
internal sealed class ConvolutionProducts
{
    /// <summary>
    /// Fewest output-side channels for which a GPU takes the implicit GEMM: a 1-channel
    /// input gradient (the first layer's) would fill 1 of the tile's 64 channel rows.
    /// </summary>
    public const int GroupedMinChannels = 16;

    private readonly ComputeDevice device;
    private readonly bool grouped;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape> forward;
    private Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>? forwardRelu;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>? groupedForwardRelu;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape> backwardInput;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape, float> backwardWeights;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ConvShape, float> backwardBias;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>? groupedForward;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>? groupedBackwardInput;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape, ChunkSize>? weightPartials;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, int, float>? reducePartials;

    public ConvolutionProducts(ComputeDevice device)
    {
        this.device = device;
        grouped = device.IsGpu;
        var k = device.KernelCache;
        forward = k.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>(Convolution.Forward);
        backwardInput = k.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>(Convolution.BackwardInput);
        backwardWeights = k.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape, float>(Convolution.BackwardWeights);
        backwardBias = k.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ConvShape, float>(Convolution.BackwardBias);
        if (!grouped) return;
        groupedForward = k.LoadGrouped<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>(ConvGroupedGemm.Forward);
        groupedBackwardInput = k.LoadGrouped<ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>(ConvGroupedGemm.BackwardInput);
        weightPartials = k.LoadGrouped<ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape, ChunkSize>(ConvGroupedWeightGradient.Partial);
        reducePartials = k.Load<WorkSplit, ArrayView<float>, ArrayView<float>, int, float>(ConvGroupedWeightGradient.Reduce);
    }

    /// <summary>Whether this device runs <paramref name="c"/>'s forward product as the implicit GEMM.</summary>
    public bool GroupedForward(ConvShape c) => grouped && c.OutChannels >= GroupedMinChannels;

    /// <summary>Whether this device runs <paramref name="c"/>'s input gradient as the implicit GEMM.</summary>
    public bool GroupedBackwardInput(ConvShape c) => grouped && c.InChannels >= GroupedMinChannels;

    /// <summary>
    /// y = conv(x, W) + b, or with <paramref name="relu"/> max(conv(x, W) + b, 0) in the same launch
    /// (the floats of the product and a separate ReLU): x [B, C, H, W], W [O, C, KH, KW], b [O], y [B, O, OH, OW].
    /// </summary>
    public void Forward(ArrayView<float> x, ArrayView<float> w, ArrayView<float> bias, ArrayView<float> y, ConvShape c, bool relu = false)
    {
        var k = device.KernelCache;
        if (GroupedForward(c))
        {
            var grouped = relu
                ? groupedForwardRelu ??= k.LoadGrouped<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>(ConvGroupedGemm.ForwardRelu)
                : groupedForward!;
            grouped(new KernelConfig(ConvGroupedGemm.ForwardGroups(c), GemmTile.GroupSize), x, w, bias, y, c);
            return;
        }
        var s = device.Split(Convolution.ForwardItems(c));
        var tiles = relu
            ? forwardRelu ??= k.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>(Convolution.ForwardRelu)
            : forward;
        tiles(s.Threads, s, x, w, bias, y, c);
    }

    /// <summary>dX of the convolution, overwritten: dY [B, O, OH, OW], W [O, C, KH, KW], dX [B, C, H, W].</summary>
    public void BackwardInput(ArrayView<float> dy, ArrayView<float> w, ArrayView<float> dx, ConvShape c)
    {
        if (GroupedBackwardInput(c))
        {
            groupedBackwardInput!(new KernelConfig(ConvGroupedGemm.BackwardInputGroups(c), GemmTile.GroupSize), dy, w, dx, c);
            return;
        }
        var s = device.Split(Convolution.BackwardInputItems(c));
        backwardInput(s.Threads, s, dy, w, dx, c);
    }

    /// <summary>
    /// Floats of scratch <see cref="BackwardParameters"/> needs for <paramref name="c"/>: the weight
    /// gradient's partial sums on a GPU (chunks·O·C·KH·KW), none elsewhere.
    /// </summary>
    public int ScratchLength(ConvShape c) =>
        grouped ? Chunks(c).Count * c.OutChannels * c.InChannels * c.KernelH * c.KernelW : 0;

    /// <summary>
    /// dW = beta·dW + Σ dY ⋆ x and db = beta·db + Σ dY; beta 0 overwrites, 1 accumulates.
    /// <paramref name="scratch"/> holds at least <see cref="ScratchLength"/> floats.
    /// </summary>
    public void BackwardParameters(ArrayView<float> dy, ArrayView<float> x, ArrayView<float> dw, ArrayView<float> db,
        ArrayView<float> scratch, ConvShape c, float beta)
    {
        if (grouped)
        {
            var (chunks, pixels) = Chunks(c);
            int groups = ConvGroupedWeightGradient.Tiles(c) * chunks;
            weightPartials!(new KernelConfig(groups, GemmTile.GroupSize), dy, x, scratch, c, new ChunkSize(pixels));
            var sr = device.Split(c.OutChannels * c.InChannels * c.KernelH * c.KernelW);
            reducePartials!(sr.Threads, sr, scratch, dw, chunks, beta);
        }
        else
        {
            var sw = device.Split(Convolution.BackwardWeightsItems(c));
            backwardWeights(sw.Threads, sw, dy, x, dw, c, beta);
        }
        var sb = device.Split(Convolution.BackwardBiasItems(c));
        backwardBias(sb.Threads, sb, dy, db, c, beta);
    }

    /// <summary>
    /// The weight gradient's pixel chunks: enough for about <see cref="WeightGradientGroups"/> groups
    /// in all (a product of one or a few tiles has too few groups to fill a device otherwise), each a
    /// whole number of slices.
    /// </summary>
    internal static (int Count, int Pixels) Chunks(ConvShape c)
    {
        int pixels = c.Batch * c.OutH * c.OutW;
        int wanted = Math.Max(1, WeightGradientGroups / ConvGroupedWeightGradient.Tiles(c));
        int slices = (pixels + GemmTile.Slice - 1) / GemmTile.Slice;
        int chunk = (slices + wanted - 1) / wanted * GemmTile.Slice;
        return ((pixels + chunk - 1) / chunk, chunk);
    }

    /// <summary>Groups the weight gradient aims at: a few per core of a CPU device, enough to start every multiprocessor of a GPU.</summary>
    private const int WeightGradientGroups = 64;
}
