using ILGPU;
using ILGPU.Runtime;
using IlgpuBlindSpots.Kernels;
using IlgpuBlindSpots.Network;

namespace IlgpuBlindSpots.Bench;

/// <summary>
/// Both kernel families of the convolution launched explicitly on one device, whichever
/// <see cref="ConvolutionProducts"/> chooses there: the register tiles and the implicit GEMM, so
/// that a run on an OpenCL or CUDA device shows them side by side with the chosen one.
/// </summary>
internal sealed class ConvAlternatives(ComputeDevice device, ConvShape shape)
{
    public Action TiledForward(Tensor x, Tensor w, Tensor b, Tensor y)
    {
        var k = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>(Convolution.Forward);
        var s = device.Split(Convolution.ForwardItems(shape));
        return () => k(s.Threads, s, x.View, w.View, b.View, y.View, shape);
    }

    public Action TiledBackwardInput(Tensor dy, Tensor w, Tensor dx)
    {
        var k = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>(Convolution.BackwardInput);
        var s = device.Split(Convolution.BackwardInputItems(shape));
        return () => k(s.Threads, s, dy.View, w.View, dx.View, shape);
    }

    public Action TiledBackwardParameters(Tensor dy, Tensor x, Tensor dw, Tensor db)
    {
        var kw = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape, float>(Convolution.BackwardWeights);
        var kb = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ConvShape, float>(Convolution.BackwardBias);
        var sw = device.Split(Convolution.BackwardWeightsItems(shape));
        var sb = device.Split(Convolution.BackwardBiasItems(shape));
        return () =>
        {
            kw(sw.Threads, sw, dy.View, x.View, dw.View, shape, 0f);
            kb(sb.Threads, sb, dy.View, db.View, shape, 0f);
        };
    }

    public Action GroupedForward(Tensor x, Tensor w, Tensor b, Tensor y)
    {
        var k = device.KernelCache.LoadGrouped<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>(ConvGroupedGemm.Forward);
        var config = new KernelConfig(ConvGroupedGemm.ForwardGroups(shape), GemmTile.GroupSize);
        return () => k(config, x.View, w.View, b.View, y.View, shape);
    }

    public Action GroupedBackwardInput(Tensor dy, Tensor w, Tensor dx)
    {
        var k = device.KernelCache.LoadGrouped<ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>(ConvGroupedGemm.BackwardInput);
        var config = new KernelConfig(ConvGroupedGemm.BackwardInputGroups(shape), GemmTile.GroupSize);
        return () => k(config, dy.View, w.View, dx.View, shape);
    }

    /// <summary>The split weight gradient and its reduction, then the bias gradient, as a GPU runs them.</summary>
    public Action GroupedBackwardParameters(Tensor dy, Tensor x, Tensor dw, Tensor db)
    {
        var kp = device.KernelCache.LoadGrouped<ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape, ChunkSize>(ConvGroupedWeightGradient.Partial);
        var kr = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, int, float>(ConvGroupedWeightGradient.Reduce);
        var kb = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ConvShape, float>(Convolution.BackwardBias);
        var (chunks, pixels) = ConvolutionProducts.Chunks(shape);
        var partial = Tensor.Allocate(device, chunks * dw.Length);
        var config = new KernelConfig(ConvGroupedWeightGradient.Tiles(shape) * chunks, GemmTile.GroupSize);
        var sr = device.Split(dw.Length);
        var sb = device.Split(Convolution.BackwardBiasItems(shape));
        return () =>
        {
            kp(config, dy.View, x.View, partial.View, shape, new ChunkSize(pixels));
            kr(sr.Threads, sr, partial.View, dw.View, chunks, 0f);
            kb(sb.Threads, sb, dy.View, db.View, shape, 0f);
        };
    }
}
