using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using IlgpuBlindSpots.Kernels;
using IlgpuBlindSpots.Network;
using IlgpuBlindSpots.Network.Layers;
using IlgpuBlindSpots.Tests.Reference;

namespace IlgpuBlindSpots.Tests.Kernels;

/// <summary>
/// The convolution's implicit GEMM (<see cref="ConvGroupedGemm"/>) against the float64 reference
/// and against the register tiles, and the layer's products as each backend chooses them
/// (<see cref="ConvolutionProducts"/>) against central differences.
/// </summary>
public class ConvGroupedGemmTests
{
    /// <summary>
    /// The grouped kernels on an OpenCL or CUDA test device, else on ILGPU's CPU accelerator shaped
    /// for 256-thread groups (barriers run as a real device runs them, slowly, so the shapes are tiny): tile edges in pixels (across
    /// images), in channels (70 and 66: two tiles) and in depth, a 1×1 kernel, padding, and strides of 2 and 3.
    /// On the CPU accelerator, where the register tiles sum in the same order (the input gradient
    /// always, the forward product at width stride 1), the floats are the very same.
    /// </summary>
    [Theory]
    [InlineData("2 3 7 6 5 3 3 1 1 1 1")]
    [InlineData("1 70 2 2 66 1 1 1 1 0 0")]
    [InlineData("2 2 9 8 3 3 2 2 3 1 0")]
    public void GroupedKernelsMatchReferenceAndRegisterTiles(string dims)
    {
        int[] d = dims.Split(' ').Select(int.Parse).ToArray();
        var c = new ConvShape(d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10]);
        var r = new ConvolutionReference(d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10]);
        float[] x = Rand.Uniform(1, r.InputLength), w = Rand.Uniform(2, r.WeightLength), b = Rand.Uniform(3, r.OutChannels);
        float[] dy = Rand.Uniform(4, r.OutputLength);

        // An OpenCL or CUDA test device runs the kernels itself, whichever the layer would choose there.
        using var context = Context.Create(builder => builder.CPU(new CPUDevice(16, 16, 1)));
        using var cpuGroups = TestDevice.Current.Kind == DeviceKind.Cpu ? context.CreateCPUAccelerator(0) : null;
        var accelerator = cpuGroups ?? TestDevice.Current.Accelerator;
        using var vx = accelerator.Allocate1D(x);
        using var vw = accelerator.Allocate1D(w);
        using var vb = accelerator.Allocate1D(b);
        using var vdy = accelerator.Allocate1D(dy);
        using var vy = accelerator.Allocate1D(Enumerable.Repeat(float.NaN, r.OutputLength).ToArray());
        using var vdx = accelerator.Allocate1D(Enumerable.Repeat(float.NaN, r.InputLength).ToArray());
        accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>(ConvGroupedGemm.Forward)(
            new KernelConfig(ConvGroupedGemm.ForwardGroups(c), GemmTile.GroupSize), vx.View, vw.View, vb.View, vy.View, c);
        accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>(ConvGroupedGemm.BackwardInput)(
            new KernelConfig(ConvGroupedGemm.BackwardInputGroups(c), GemmTile.GroupSize), vdy.View, vw.View, vdx.View, c);
        float[] y = vy.GetAsArray1D(), dx = vdx.GetAsArray1D();
        Compare.Close(r.Forward(D(x), D(w), D(b)), y, what: "y");
        Compare.Close(r.BackwardInput(D(dy), D(w)), dx, what: "dX");
        Compare.Close(r.BackwardWeights(D(dy), D(x)), GroupedWeightGradient(accelerator, vdy.View, vx.View, c), what: "dW");

        // The CPU accelerator's register tiles, whatever device the test run names.
        using var cpu = ComputeDevice.Open("cpu");
        using var tx = Tensor.FromArray(cpu, x, r.InputLength);
        using var tw = Tensor.FromArray(cpu, w, r.WeightLength);
        using var tb = Tensor.FromArray(cpu, b, r.OutChannels);
        using var tdy = Tensor.FromArray(cpu, dy, r.OutputLength);
        using var ty = Tensor.Allocate(cpu, r.OutputLength);
        using var tdx = Tensor.Allocate(cpu, r.InputLength);
        cpu.Convolution.Forward(tx.View, tw.View, tb.View, ty.View, c);
        cpu.Convolution.BackwardInput(tdy.View, tw.View, tdx.View, c);
        if (cpuGroups is null) return;   // other devices contract multiply-adds as they like
        if (c.StrideW == 1) Assert.Equal(ty.ToArray(), y);
        Assert.Equal(tdx.ToArray(), dx);
    }

    /// <summary>
    /// The layer on the test device with 16 channels each side, so that a GPU takes the implicit
    /// GEMM for both products: its output and parameter gradients match the float64
    /// reference, and its input gradient (dY = g, L = Σ y·g) a central difference of the float64 forward pass.
    /// </summary>
    [Theory]
    [InlineData("1 16 4 3 16 3 3 1 1 1 1")]
    [InlineData("1 16 5 5 16 3 3 2 2 1 1")]
    public void LayerBackwardMatchesFiniteDifferences(string dims)
    {
        int[] d = dims.Split(' ').Select(int.Parse).ToArray();
        var dev = TestDevice.Current;
        var r = new ConvolutionReference(d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10]);
        using var layer = new Conv2dLayer(dev, [d[1], d[2], d[3]], d[4], d[5], d[6], d[7], d[9], "conv");
        var shape = new ConvShape(d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10]);
        Assert.Equal(dev.IsGpu, dev.Convolution.GroupedForward(shape));
        Assert.Equal(dev.IsGpu, dev.Convolution.GroupedBackwardInput(shape));
        float[] x = Rand.Uniform(21, r.InputLength), w = Rand.Uniform(22, r.WeightLength), b = Rand.Uniform(23, r.OutChannels);
        float[] g = Rand.Uniform(24, r.OutputLength);
        layer.Weight.Value.CopyFrom(w);
        layer.Bias.Value.CopyFrom(b);
        using var tx = Tensor.FromArray(dev, x, d[0], d[1], d[2], d[3]);
        using var tg = Tensor.FromArray(dev, g, d[0], d[4], r.OutH, r.OutW);

        double[] xd = D(x), wd = D(w), bd = D(b), gd = D(g);
        Compare.Close(r.Forward(xd, wd, bd), layer.Forward(tx, training: false).ToArray(), what: "y");
        double Loss() => r.Forward(xd, wd, bd).Zip(gd, (u, v) => u * v).Sum();
        Compare.Close(FiniteDifferences.Gradient(xd, Loss), layer.Backward(tg, parameterGradients: true).ToArray(),
            what: "dX vs finite differences");
        // The layer accumulates onto zero parameter gradients; the float64 formulas are checked against differences in ConvolutionTests.
        Compare.Close(r.BackwardWeights(gd, xd), layer.Weight.Gradient.ToArray(), what: "dW");
        Compare.Close(r.BackwardBias(gd), layer.Bias.Gradient.ToArray(), what: "db");
    }

    /// <summary>The layer's weight and bias gradients on the test device against central differences, on a small layer.</summary>
    [Fact]
    public void LayerParameterGradientsMatchFiniteDifferences()
    {
        var dev = TestDevice.Current;
        var r = new ConvolutionReference(3, 2, 5, 4, 3, 3, 3, 2, 2, 1, 1);
        using var layer = new Conv2dLayer(dev, [2, 5, 4], 3, 3, 3, 2, 1, "conv");
        float[] x = Rand.Uniform(31, r.InputLength), w = Rand.Uniform(32, r.WeightLength), b = Rand.Uniform(33, r.OutChannels);
        float[] g = Rand.Uniform(34, r.OutputLength);
        layer.Weight.Value.CopyFrom(w);
        layer.Bias.Value.CopyFrom(b);
        using var tx = Tensor.FromArray(dev, x, 3, 2, 5, 4);
        using var tg = Tensor.FromArray(dev, g, 3, 3, r.OutH, r.OutW);
        layer.Forward(tx, training: true);
        layer.Backward(tg, parameterGradients: true);
        double[] xd = D(x), wd = D(w), bd = D(b), gd = D(g);
        double Loss() => r.Forward(xd, wd, bd).Zip(gd, (u, v) => u * v).Sum();
        Compare.Close(FiniteDifferences.Gradient(wd, Loss), layer.Weight.Gradient.ToArray(), what: "dW vs finite differences");
        Compare.Close(FiniteDifferences.Gradient(bd, Loss), layer.Bias.Gradient.ToArray(), what: "db vs finite differences");
    }

    /// <summary>dW by the split product on <paramref name="accelerator"/>, in chunks of one slice so that several partial sums meet.</summary>
    private static float[] GroupedWeightGradient(Accelerator accelerator, ArrayView<float> dy, ArrayView<float> x, ConvShape c)
    {
        int weights = c.OutChannels * c.InChannels * c.KernelH * c.KernelW;
        int chunk = GemmTile.Slice, pixels = c.Batch * c.OutH * c.OutW;
        int chunks = (pixels + chunk - 1) / chunk;
        using var partial = accelerator.Allocate1D<float>(chunks * weights);
        using var dw = accelerator.Allocate1D(Enumerable.Repeat(float.NaN, weights).ToArray());
        accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape, ChunkSize>(ConvGroupedWeightGradient.Partial)(
            new KernelConfig(ConvGroupedWeightGradient.Tiles(c) * chunks, GemmTile.GroupSize), dy, x, partial.View, c, new ChunkSize(chunk));
        var s = WorkSplit.Chunked(weights, weights);
        accelerator.LoadAutoGroupedStreamKernel<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, int, float>(ConvGroupedWeightGradient.Reduce)(
            weights, s, partial.View, dw.View, chunks, 0f);
        return dw.GetAsArray1D();
    }

    private static double[] D(float[] a) => Array.ConvertAll(a, v => (double)v);
}
