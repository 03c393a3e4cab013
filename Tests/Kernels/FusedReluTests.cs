using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;

namespace IlgpuBlindSpots.Tests.Kernels;

/// <summary>
/// The products with the following ReLU applied as they store (<see cref="Dense.ForwardRelu"/>,
/// <see cref="Dense.ForwardQuadsRelu"/>, <see cref="GemmShape.Relu"/> in <see cref="DenseGroupedGemm"/>):
/// each against the float64 product followed by max(·, 0), and bit for bit against the plain
/// product followed by the activation kernel, which is what they replace.
/// </summary>
public class FusedReluTests
{
    /// <summary>Tile edges of the 4×4, 8×4 quad and 64×64 grouped tiles, K divisible by 4 and not.</summary>
    public static TheoryData<int, int, int> DenseShapes => new()
    {
        { 1, 1, 1 }, { 3, 5, 7 }, { 9, 8, 5 }, { 17, 13, 6 }, { 17, 784, 10 }, { 70, 33, 65 },
    };

    /// <summary>The register tiles (4×4, and 8×4 quads when K divides by 4) and the layer's product on the test run's device.</summary>
    [Theory]
    [MemberData(nameof(DenseShapes))]
    public void DenseWithReluMatchesFloat64AndPlainThenRelu(int batch, int k, int n)
    {
        var dev = TestDevice.Current;
        var (x, w, b) = DenseInputs(batch, k, n);
        using var tx = Tensor.FromArray(dev, x, batch, k);
        using var tw = Tensor.FromArray(dev, w, n, k);
        using var tb = Tensor.FromArray(dev, b, n);
        using var fused = Tensor.Allocate(dev, batch, n);
        var expected = PlainThenRelu(dev, tx, tw, tb, batch, k, n);
        var reference = Relu(DenseReference.Forward(x, w, b, batch, k, n));

        var s = dev.Split(((batch + 3) / 4) * ((n + 3) / 4));
        dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(Dense.ForwardRelu)(
            s.Threads, s, tx.View, tw.View, tb.View, fused.View, batch, k, n);
        Compare.Close(reference, fused.ToArray(), what: "4×4 tiles with ReLU");
        Assert.Equal(expected, fused.ToArray());
        if (batch * n >= 20) Assert.Contains(0f, expected); // the ReLU clipped something

        // The layer's product as the test run's device chooses it (the grouped GEMM on OpenCL).
        fused.CopyFrom(new float[batch * n]);
        dev.Dense.Forward(tx.View, tw.View, tb.View, fused.View, batch, k, n, relu: true);
        Assert.Equal(expected, fused.ToArray());
        if (k % 4 != 0) return;

        fused.CopyFrom(new float[batch * n]);
        s = dev.Split(Dense.ForwardQuadsItems(batch, n));
        dev.KernelCache.Load<WorkSplit, ArrayView<Quad>, ArrayView<Quad>, ArrayView<float>, ArrayView<float>, int, int, int>(Dense.ForwardQuadsRelu)(
            s.Threads, s, tx.View.Cast<Quad>(), tw.View.Cast<Quad>(), tb.View, fused.View, batch, k / 4, n);
        Compare.Close(reference, fused.ToArray(), what: "quad tiles with ReLU");
        Assert.Equal(expected, fused.ToArray());
    }

    /// <summary>
    /// The grouped GEMM's ReLU on ILGPU's CPU accelerator shaped for 256-thread groups: the float64
    /// reference and the very floats of the register tiles with ReLU.
    /// </summary>
    [Theory]
    [InlineData(3, 5, 7)]
    [InlineData(70, 33, 65)]
    public void GroupedGemmWithReluMatchesReferenceAndRegisterTiles(int batch, int k, int n)
    {
        var (x, w, b) = DenseInputs(batch, k, n);
        using var context = Context.Create(builder => builder.CPU(new CPUDevice(16, 16, 1)));
        using var accelerator = context.CreateCPUAccelerator(0);
        var product = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmShape>(DenseGroupedGemm.Product);
        using var tx = accelerator.Allocate1D(x); using var tw = accelerator.Allocate1D(w); using var tb = accelerator.Allocate1D(b);
        using var ty = accelerator.Allocate1D<float>(batch * n);
        var g = GemmShape.DenseForward(batch, k, n, relu: true);
        product(new KernelConfig(DenseGroupedGemm.Groups(g), GemmTile.GroupSize), tx.View, tw.View, ty.View, tb.View, g);
        accelerator.Synchronize();
        var grouped = ty.GetAsArray1D();
        Compare.Close(Relu(DenseReference.Forward(x, w, b, batch, k, n)), grouped, what: "grouped with ReLU");

        using var cpu = IlgpuBlindSpots.Network.ComputeDevice.Open("cpu");
        using var cx = Tensor.FromArray(cpu, x, batch, k);
        using var cw = Tensor.FromArray(cpu, w, n, k);
        using var cb = Tensor.FromArray(cpu, b, n);
        using var tiles = Tensor.Allocate(cpu, batch, n);
        cpu.Dense.Forward(cx.View, cw.View, cb.View, tiles.View, batch, k, n, relu: true);
        Assert.Equal(tiles.ToArray(), grouped);
    }

    /// <summary>Convolution shapes (B C H W O KH KW sH sW pH pW): tile edges of the register tiles and of the implicit GEMM (70 channels), padding, stride 2.</summary>
    public static TheoryData<string> ConvShapes => new() { "2 3 7 6 5 3 3 1 1 1 1", "1 4 9 8 70 1 1 1 1 0 0", "2 2 9 8 3 3 2 2 2 1 0" };

    /// <summary>
    /// <see cref="Convolution.ForwardRelu"/> (the register tiles, on the test run's device), the layer's product there, and
    /// <see cref="ConvGroupedGemm.ForwardRelu"/> (on OpenCL or CUDA the test device, else the CPU
    /// accelerator shaped for 256-thread groups): the float64 convolution followed by max(·, 0), and
    /// the floats of the same kernel's plain product followed by the activation kernel.
    /// </summary>
    [Theory]
    [MemberData(nameof(ConvShapes))]
    public void ConvolutionWithReluMatchesFloat64AndPlainThenRelu(string dims)
    {
        int[] d = dims.Split(' ').Select(int.Parse).ToArray();
        var c = new ConvShape(d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10]);
        var r = new ConvolutionReference(d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10]);
        float[] x = Rand.Uniform(14, r.InputLength), w = Rand.Uniform(15, r.WeightLength), b = Rand.Uniform(16, r.OutChannels);
        var reference = Relu(r.Forward(D(x), D(w), D(b)));

        var dev = TestDevice.Current;
        using var tx = Tensor.FromArray(dev, x, r.InputLength);
        using var tw = Tensor.FromArray(dev, w, r.WeightLength);
        using var tb = Tensor.FromArray(dev, b, r.OutChannels);
        using var plain = Tensor.Allocate(dev, r.OutputLength);
        using var fused = Tensor.Allocate(dev, r.OutputLength);
        var s = dev.Split(Convolution.ForwardItems(c));
        var kernel = dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>(Convolution.Forward);
        kernel(s.Threads, s, tx.View, tw.View, tb.View, plain.View, c);
        ReluInPlace(dev, plain);
        dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>(Convolution.ForwardRelu)(
            s.Threads, s, tx.View, tw.View, tb.View, fused.View, c);
        Compare.Close(reference, fused.ToArray(), what: "register tiles with ReLU");
        Assert.Equal(plain.ToArray(), fused.ToArray());
        Assert.Contains(0f, fused.ToArray());

        // The layer's product as the test run's device chooses it.
        fused.CopyFrom(new float[r.OutputLength]);
        dev.Convolution.Forward(tx.View, tw.View, tb.View, fused.View, c, relu: true);
        Assert.Equal(plain.ToArray(), fused.ToArray());

        using var context = Context.Create(builder => builder.CPU(new CPUDevice(16, 16, 1)));
        using var cpuGroups = dev.Kind == DeviceKind.Cpu ? context.CreateCPUAccelerator(0) : null;
        var accelerator = cpuGroups ?? dev.Accelerator;
        using var vx = accelerator.Allocate1D(x); using var vw = accelerator.Allocate1D(w); using var vb = accelerator.Allocate1D(b);
        using var vy = accelerator.Allocate1D(Enumerable.Repeat(float.NaN, r.OutputLength).ToArray());
        using var vz = accelerator.Allocate1D(Enumerable.Repeat(float.NaN, r.OutputLength).ToArray());
        var config = new KernelConfig(ConvGroupedGemm.ForwardGroups(c), GemmTile.GroupSize);
        accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>(ConvGroupedGemm.Forward)(
            config, vx.View, vw.View, vb.View, vy.View, c);
        accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>(ConvGroupedGemm.ForwardRelu)(
            config, vx.View, vw.View, vb.View, vz.View, c);
        accelerator.Synchronize();
        var groupedRelu = vz.GetAsArray1D();
        Compare.Close(reference, groupedRelu, what: "implicit GEMM with ReLU");
        Assert.Equal(vy.GetAsArray1D().Select(v => v < 0f ? 0f : v), groupedRelu);
    }

    /// <summary>The plain product, then <see cref="Activation.ReluForward"/> in place: what fusing replaces.</summary>
    private static float[] PlainThenRelu(IlgpuBlindSpots.Network.ComputeDevice dev, Tensor x, Tensor w, Tensor b, int batch, int k, int n)
    {
        using var y = Tensor.Allocate(dev, batch, n);
        dev.Dense.Forward(x.View, w.View, b.View, y.View, batch, k, n);
        ReluInPlace(dev, y);
        return y.ToArray();
    }

    internal static void ReluInPlace(IlgpuBlindSpots.Network.ComputeDevice dev, Tensor y)
    {
        var s = dev.Split(y.Length);
        dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>>(Activation.ReluForward)(s.Threads, s, y.View, y.View);
    }

    private static double[] D(float[] v) => v.Select(e => (double)e).ToArray();

    internal static double[] Relu(double[] v) => v.Select(e => Math.Max(e, 0.0)).ToArray();

    /// <summary>Inputs centred on 0, so that about half the outputs are negative before the ReLU.</summary>
    private static (float[] X, float[] W, float[] B) DenseInputs(int batch, int k, int n) =>
        (Rand.Uniform(11, batch * k), Rand.Uniform(12, n * k), Rand.Uniform(13, n));
}
