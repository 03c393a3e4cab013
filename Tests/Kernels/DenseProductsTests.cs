using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using IlgpuBlindSpots.Network.Layers;

namespace IlgpuBlindSpots.Tests.Kernels;

/// <summary>
/// The dense products as the layer runs them (<see cref="DenseProducts"/>): the CPU accelerator's
/// register tiles (quads when K is divisible by 4) and the GPU backends' shared-memory
/// <see cref="DenseGroupedGemm"/>, each against the float64 reference and against each other.
/// </summary>
public class DenseProductsTests
{
    /// <summary>
    /// Every edge of the 4×4 tiles, of the 8×4 quad tiles (K divisible by 4 and not) and of the
    /// grouped GEMM's tiles, single rows and columns, and MNIST's 784 → 10.
    /// </summary>
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 1, 1, 1 }, { 1, 4, 1 }, { 1, 784, 10 }, { 3, 5, 7 }, { 4, 8, 4 }, { 9, 8, 5 }, { 13, 12, 7 }, { 17, 13, 6 },
        { 17, 33, 3 }, { 17, 784, 10 }, { 5, 100, 100 }, { 8, 100, 100 }, { 70, 33, 65 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void CpuProductsMatchFloat64Reference(int batch, int k, int n)
    {
        // The CPU accelerator's register tiles, whatever device the test run names.
        using var dev = IlgpuBlindSpots.Network.ComputeDevice.Open("cpu");
        Assert.False(dev.PrefersGroupedKernels);
        var (y, dx, dw, db) = RunProducts(dev.Dense, dev.Accelerator, batch, k, n);
        CheckAgainstReference(batch, k, n, y, dx, dw, db);
    }

    /// <summary>The <see cref="Dense"/> kernels themselves on the test run's device, against <see cref="DenseReference"/>.</summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void ForwardAndBackwardMatchFloat64Reference(int batch, int k, int n)
    {
        var dev = TestDevice.Current;
        float[] x = Rand.Uniform(1, batch * k), w = Rand.Uniform(2, n * k), b = Rand.Uniform(3, n);
        float[] dy = Rand.Uniform(4, batch * n), dw0 = Rand.Uniform(5, n * k), db0 = Rand.Uniform(6, n);
        using var tx = Tensor.FromArray(dev, x, batch, k);
        using var tw = Tensor.FromArray(dev, w, n, k);
        using var tb = Tensor.FromArray(dev, b, n);
        using var ty = Tensor.Allocate(dev, batch, n);
        using var tdy = Tensor.FromArray(dev, dy, batch, n);
        using var tdx = Tensor.Allocate(dev, batch, k);
        using var tdw = Tensor.FromArray(dev, dw0, n, k);
        using var tdb = Tensor.FromArray(dev, db0, n);

        var s = dev.Split(((batch + 3) / 4) * ((n + 3) / 4));
        dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(Dense.Forward)(
            s.Threads, s, tx.View, tw.View, tb.View, ty.View, batch, k, n);
        s = dev.Split(((batch + 3) / 4) * ((k + 3) / 4));
        dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(Dense.BackwardInput)(
            s.Threads, s, tdy.View, tw.View, tdx.View, batch, k, n);
        // beta = 1: the weight gradient accumulates onto what is there.
        s = dev.Split(((n + 3) / 4) * ((k + 3) / 4));
        dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, float>(Dense.BackwardWeights)(
            s.Threads, s, tdy.View, tx.View, tdw.View, batch, k, n, 1f);
        s = dev.Split(n);
        dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, int, int, float>(Dense.BackwardBias)(
            s.Threads, s, tdy.View, tdb.View, batch, n, 1f);

        Compare.Close(DenseReference.Forward(x, w, b, batch, k, n), ty.ToArray(), what: "y");
        Compare.Close(DenseReference.BackwardInput(dy, w, batch, k, n), tdx.ToArray(), what: "dX");
        var dwRef = DenseReference.BackwardWeights(dy, x, batch, k, n);
        for (int i = 0; i < dwRef.Length; i++) dwRef[i] += dw0[i];
        Compare.Close(dwRef, tdw.ToArray(), what: "dW");
        var dbRef = DenseReference.BackwardBias(dy, batch, n);
        for (int i = 0; i < dbRef.Length; i++) dbRef[i] += db0[i];
        Compare.Close(dbRef, tdb.ToArray(), what: "db");
    }

    [Fact]
    public void ForwardInQuadsIsBitIdenticalToScalarTiles()
    {
        using var dev = IlgpuBlindSpots.Network.ComputeDevice.Open("cpu");
        const int batch = 19, k = 36, n = 11;
        float[] x = Rand.Uniform(1, batch * k), w = Rand.Uniform(2, n * k), b = Rand.Uniform(3, n);
        using var tx = Tensor.FromArray(dev, x, batch, k);
        using var tw = Tensor.FromArray(dev, w, n, k);
        using var tb = Tensor.FromArray(dev, b, n);
        using var quads = Tensor.Allocate(dev, batch, n);
        using var scalar = Tensor.Allocate(dev, batch, n);
        dev.Dense.Forward(tx.View, tw.View, tb.View, quads.View, batch, k, n);
        var s = dev.Split(((batch + 3) / 4) * ((n + 3) / 4));
        dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(Dense.Forward)(
            s.Threads, s, tx.View, tw.View, tb.View, scalar.View, batch, k, n);
        Assert.Equal(scalar.ToArray(), quads.ToArray());
    }

    /// <summary>
    /// The grouped GEMM on ILGPU's CPU accelerator shaped for 256-thread groups (barriers run as
    /// a real device runs them, slowly): the float64 reference, and the very floats of the register
    /// tiles, since both sum in the same order.
    /// </summary>
    [Theory]
    [InlineData(3, 5, 7)]
    [InlineData(70, 33, 65)]
    [InlineData(9, 100, 10)]
    public void GroupedGemmMatchesReferenceAndRegisterTiles(int batch, int k, int n)
    {
        using var context = Context.Create(b => b.CPU(new CPUDevice(16, 16, 1)));
        using var accelerator = context.CreateCPUAccelerator(0);
        var product = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmShape>(DenseGroupedGemm.Product);
        var grouped = RunGrouped(accelerator, product, batch, k, n);
        CheckAgainstReference(batch, k, n, grouped.Y, grouped.Dx, grouped.Dw, null);
        using var cpu = IlgpuBlindSpots.Network.ComputeDevice.Open("cpu");
        var tiles = RunProducts(cpu.Dense, cpu.Accelerator, batch, k, n);
        Assert.Equal(tiles.Y, grouped.Y);
        Assert.Equal(tiles.Dx, grouped.Dx);
        Assert.Equal(tiles.Dw, grouped.Dw);
    }

    /// <summary>The grouped path on the device the test run names (BLINDSPOTS_TEST_DEVICE, e.g. opencl:0); nothing to check on the CPU accelerator.</summary>
    [Fact]
    public void GroupedPathOnTheTestRunsGpuDeviceMatchesReference()
    {
        var dev = TestDevice.Current;
        if (dev.Kind == DeviceKind.Cpu) return;
        Assert.True(dev.PrefersGroupedKernels);
        foreach (var (batch, k, n) in new[] { (3, 5, 7), (70, 33, 65), (130, 784, 100) })
        {
            var (y, dx, dw, db) = RunProducts(dev.Dense, dev.Accelerator, batch, k, n);
            CheckAgainstReference(batch, k, n, y, dx, dw, db);
        }
    }

    [Fact]
    public void LayerBackwardMatchesFiniteDifferencesOfForward()
    {
        var dev = TestDevice.Cpu;
        const int batch = 3, k = 8, n = 5;
        float[] dy = Rand.Uniform(7, batch * n);
        double[] xd = Rand.Uniform(8, batch * k).Select(v => (double)v).ToArray();
        double[] wd = Rand.Uniform(9, n * k).Select(v => (double)v).ToArray();
        using var layer = new DenseLayer(dev, k, n, "fc");
        layer.Bias.Value.CopyFrom(Rand.Uniform(10, n));
        using var tx = Tensor.Allocate(dev, batch, k);

        double Loss()
        {
            tx.CopyFrom(xd.Select(v => (float)v).ToArray());
            layer.Weight.Value.CopyFrom(wd.Select(v => (float)v).ToArray());
            var y = layer.Forward(tx, training: false).ToArray();
            double sum = 0;
            for (int i = 0; i < y.Length; i++) sum += dy[i] * (double)y[i];
            return sum;
        }

        var numericX = FiniteDifferences.Gradient(xd, Loss, h: 1e-2);
        var numericW = FiniteDifferences.Gradient(wd, Loss, h: 1e-2);
        Loss();
        layer.Weight.Gradient.CopyFrom(new float[n * k]);
        layer.Bias.Gradient.CopyFrom(new float[n]);
        using var tdy = Tensor.FromArray(dev, dy, batch, n);
        Compare.Close(numericX, layer.Backward(tdy, parameterGradients: true).ToArray(), rtol: 1e-3, atol: 1e-3, what: "dX vs finite differences");
        Compare.Close(numericW, layer.Weight.Gradient.ToArray(), rtol: 1e-3, atol: 1e-3, what: "dW vs finite differences");
    }

    private static (float[] Y, float[] Dx, float[] Dw, float[] Db) RunProducts(DenseProducts dense, Accelerator acc, int batch, int k, int n)
    {
        var (x, w, b, dy) = Inputs(batch, k, n);
        using var tx = acc.Allocate1D(x); using var tw = acc.Allocate1D(w); using var tb = acc.Allocate1D(b);
        using var tdy = acc.Allocate1D(dy);
        using var ty = acc.Allocate1D<float>(batch * n); using var tdx = acc.Allocate1D<float>(batch * k);
        using var tdw = acc.Allocate1D(Rand.Uniform(5, n * k)); using var tdb = acc.Allocate1D(Rand.Uniform(6, n));
        dense.Forward(tx.View, tw.View, tb.View, ty.View, batch, k, n);
        dense.BackwardInput(tdy.View, tw.View, tdx.View, batch, k, n);
        // beta = 1: the parameter gradients accumulate onto what is there.
        dense.BackwardParameters(tdy.View, tx.View, tdw.View, tdb.View, batch, k, n, 1f);
        acc.Synchronize();
        return (ty.GetAsArray1D(), tdx.GetAsArray1D(), tdw.GetAsArray1D(), tdb.GetAsArray1D());
    }

    private static (float[] Y, float[] Dx, float[] Dw) RunGrouped(Accelerator acc,
        Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmShape> product, int batch, int k, int n)
    {
        var (x, w, b, dy) = Inputs(batch, k, n);
        using var tx = acc.Allocate1D(x); using var tw = acc.Allocate1D(w); using var tb = acc.Allocate1D(b);
        using var tdy = acc.Allocate1D(dy);
        using var ty = acc.Allocate1D<float>(batch * n); using var tdx = acc.Allocate1D<float>(batch * k);
        using var tdw = acc.Allocate1D(Rand.Uniform(5, n * k));
        void Launch(ArrayView<float> a, ArrayView<float> bv, ArrayView<float> c, ArrayView<float> bias, GemmShape g) =>
            product(new KernelConfig(DenseGroupedGemm.Groups(g), GemmTile.GroupSize), a, bv, c, bias, g);
        Launch(tx.View, tw.View, ty.View, tb.View, GemmShape.DenseForward(batch, k, n));
        Launch(tdy.View, tw.View, tdx.View, tdy.View, GemmShape.DenseBackwardInput(batch, k, n));
        Launch(tdy.View, tx.View, tdw.View, tdy.View, GemmShape.DenseBackwardWeights(batch, k, n, 1f));
        acc.Synchronize();
        return (ty.GetAsArray1D(), tdx.GetAsArray1D(), tdw.GetAsArray1D());
    }

    private static (float[] X, float[] W, float[] B, float[] Dy) Inputs(int batch, int k, int n) =>
        (Rand.Uniform(1, batch * k), Rand.Uniform(2, n * k), Rand.Uniform(3, n), Rand.Uniform(4, batch * n));

    private static void CheckAgainstReference(int batch, int k, int n, float[] y, float[] dx, float[] dw, float[]? db)
    {
        var (x, w, b, dy) = Inputs(batch, k, n);
        Compare.Close(DenseReference.Forward(x, w, b, batch, k, n), y, what: "y");
        Compare.Close(DenseReference.BackwardInput(dy, w, batch, k, n), dx, what: "dX");
        var dw0 = Rand.Uniform(5, n * k);
        var dwRef = DenseReference.BackwardWeights(dy, x, batch, k, n);
        for (int i = 0; i < dwRef.Length; i++) dwRef[i] += dw0[i];
        Compare.Close(dwRef, dw, what: "dW");
        if (db is null) return;
        var db0 = Rand.Uniform(6, n);
        var dbRef = DenseReference.BackwardBias(dy, batch, n);
        for (int i = 0; i < dbRef.Length; i++) dbRef[i] += db0[i];
        Compare.Close(dbRef, db, what: "db");
    }
}
