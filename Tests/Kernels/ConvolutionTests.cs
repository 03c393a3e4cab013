using ILGPU;

namespace IlgpuBlindSpots.Tests.Kernels;

/// <summary>
/// Convolution kernels against <see cref="ConvolutionReference"/> on shapes that hit every tile
/// edge, stride, padding and kernel size the models use, and against central differences of the
/// float64 forward pass.
/// </summary>
public class ConvolutionTests
{
    // Space-separated, so that a test's name shows the whole shape: batch, channels, height, width,
    // out channels, kernel h, kernel w, stride h, stride w, pad h, pad w.
    public static TheoryData<string> Shapes => new()
    {
        { "1 1 7 5 2 3 3 1 1 1 1" },
        { "3 3 13 9 5 3 3 2 2 1 1" },
        { "17 1 9 7 3 1 1 1 1 0 0" },     // 1×1 kernel
        { "3 3 35 31 6 11 11 4 4 2 2" },  // AlexNet's first layer on a small image
        { "2 1 28 28 5 5 5 1 1 2 2" },    // MNIST first layer, "same" padding
        { "3 6 14 14 9 5 5 1 1 0 0" },    // second layer, no padding
        { "17 3 7 5 4 5 3 2 1 0 1" },     // non-square kernel, separate strides and pads
        { "1 2 6 11 9 3 5 1 3 2 0" },     // width stride 3: three residue classes
        { "2 2 9 10 3 2 2 3 3 0 0" },     // stride larger than the kernel: skipped pixels
        { "1 1 5 2 2 3 2 2 3 1 1" },      // image narrower than the stride
        { "1 2 4 3 3 6 5 1 1 1 1" },      // kernel covers the whole padded image
        { "1 1 5 5 2 3 3 1 1 3 3" },      // padding wider than the kernel: all-padding windows
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ForwardAndBackwardMatchFloat64Reference(string dims) => CheckAgainstReference(Parse(dims));

    public static TheoryData<int> Seeds => new(Enumerable.Range(0, 40));

    /// <summary>Random small shapes: every combination of edge cases the fixed list may have missed.</summary>
    [Theory]
    [MemberData(nameof(Seeds))]
    public void RandomShapesMatchFloat64Reference(int seed)
    {
        var rng = new Random(1000 + seed);
        int kh = rng.Next(1, 7), kw = rng.Next(1, 7);
        int ph = rng.Next(0, kh), pw = rng.Next(0, kw);
        int h = Math.Max(rng.Next(1, 16), kh - 2 * ph), w = Math.Max(rng.Next(1, 16), kw - 2 * pw);
        CheckAgainstReference([rng.Next(1, 6), rng.Next(1, 7), h, w, rng.Next(1, 13), kh, kw, rng.Next(1, 5), rng.Next(1, 5), ph, pw]);
    }

    private static void CheckAgainstReference(int[] dims)
    {
        var r = Reference(dims);
        var shape = Shape(dims);
        Assert.Equal((r.OutH, r.OutW), (shape.OutH, shape.OutW));
        float[] x = Rand.Uniform(1, r.InputLength), w = Rand.Uniform(2, r.WeightLength), b = Rand.Uniform(3, r.OutChannels);
        float[] dy = Rand.Uniform(4, r.OutputLength);
        var run = new Launcher(TestDevice.Current, shape);

        Compare.Close(r.Forward(D(x), D(w), D(b)), run.Forward(x, w, b), what: "y");
        Compare.Close(r.BackwardInput(D(dy), D(w)), run.BackwardInput(dy, w), what: "dX");

        // beta 0 must overwrite whatever is in the buffer, NaN included; beta 1 then adds a second copy.
        var dwRef = r.BackwardWeights(D(dy), D(x));
        var (dw1, dw2) = run.BackwardWeightsTwice(dy, x);
        Compare.Close(dwRef, dw1, what: "dW (beta 0)");
        Compare.Close(dwRef.Select(v => 2 * v).ToArray(), dw2, what: "dW (beta 1)");

        var dbRef = r.BackwardBias(D(dy));
        var (db1, db2) = run.BackwardBiasTwice(dy);
        Compare.Close(dbRef, db1, what: "db (beta 0)");
        Compare.Close(dbRef.Select(v => 2 * v).ToArray(), db2, what: "db (beta 1)");
    }

    // Small enough for a difference quotient per element, with stride, padding and a non-square kernel.
    public static TheoryData<string> GradientShapes => new()
    {
        { "2 2 6 5 3 3 2 2 1 1 1" },
        { "1 3 9 7 2 5 5 2 3 2 1" },
    };

    /// <summary>
    /// The backward kernels are the gradient of the forward definition: for L = Σ y·g, each of
    /// dL/dx, dL/dW, dL/db from the kernels (with dY = g) equals a central difference of the
    /// float64 forward pass.
    /// </summary>
    [Theory]
    [MemberData(nameof(GradientShapes))]
    public void BackwardMatchesFiniteDifferencesOfForward(string shapeText)
    {
        int[] dims = Parse(shapeText);
        var r = Reference(dims);
        var shape = Shape(dims);
        var run = new Launcher(TestDevice.Current, shape);
        float[] x = Rand.Uniform(11, r.InputLength), w = Rand.Uniform(12, r.WeightLength), b = Rand.Uniform(13, r.OutChannels);
        float[] g = Rand.Uniform(14, r.OutputLength);
        double[] xd = D(x), wd = D(w), bd = D(b);
        double Loss() => Dot(r.Forward(xd, wd, bd), D(g));

        Compare.Close(FiniteDifferences.Gradient(xd, Loss), run.BackwardInput(g, w), what: "dX vs finite differences");
        Compare.Close(FiniteDifferences.Gradient(wd, Loss), run.BackwardWeightsTwice(g, x).Once, what: "dW vs finite differences");
        Compare.Close(FiniteDifferences.Gradient(bd, Loss), run.BackwardBiasTwice(g).Once, what: "db vs finite differences");
    }

    private static int[] Parse(string dims) => dims.Split(' ').Select(int.Parse).ToArray();

    private static ConvolutionReference Reference(int[] d) =>
        new(d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10]);

    private static ConvShape Shape(int[] d) => new(d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10]);

    private static double[] D(float[] a) => Array.ConvertAll(a, v => (double)v);

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    /// <summary>Runs each convolution kernel on the test device for one shape, host arrays in and out.</summary>
    private sealed class Launcher(ComputeDevice dev, ConvShape c)
    {
        private int[] Input => [c.Batch, c.InChannels, c.Height, c.Width];
        private int[] Weights => [c.OutChannels, c.InChannels, c.KernelH, c.KernelW];
        private int[] Output => [c.Batch, c.OutChannels, c.OutH, c.OutW];

        public float[] Forward(float[] x, float[] w, float[] b)
        {
            using var tx = Tensor.FromArray(dev, x, Input);
            using var tw = Tensor.FromArray(dev, w, Weights);
            using var tb = Tensor.FromArray(dev, b, c.OutChannels);
            using var ty = Filled(Output);
            var s = dev.Split(Convolution.ForwardItems(c));
            dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>(
                Convolution.Forward)(s.Threads, s, tx.View, tw.View, tb.View, ty.View, c);
            return ty.ToArray();
        }

        public float[] BackwardInput(float[] dy, float[] w)
        {
            using var tdy = Tensor.FromArray(dev, dy, Output);
            using var tw = Tensor.FromArray(dev, w, Weights);
            using var tdx = Filled(Input);
            var s = dev.Split(Convolution.BackwardInputItems(c));
            dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>(
                Convolution.BackwardInput)(s.Threads, s, tdy.View, tw.View, tdx.View, c);
            return tdx.ToArray();
        }

        /// <summary>dW after a beta-0 pass onto NaN, and after a further beta-1 pass.</summary>
        public (float[] Once, float[] Twice) BackwardWeightsTwice(float[] dy, float[] x)
        {
            using var tdy = Tensor.FromArray(dev, dy, Output);
            using var tx = Tensor.FromArray(dev, x, Input);
            using var tdw = Filled(Weights);
            var s = dev.Split(Convolution.BackwardWeightsItems(c));
            var kernel = dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape, float>(
                Convolution.BackwardWeights);
            kernel(s.Threads, s, tdy.View, tx.View, tdw.View, c, 0f);
            var once = tdw.ToArray();
            kernel(s.Threads, s, tdy.View, tx.View, tdw.View, c, 1f);
            return (once, tdw.ToArray());
        }

        /// <summary>db after a beta-0 pass onto NaN, and after a further beta-1 pass.</summary>
        public (float[] Once, float[] Twice) BackwardBiasTwice(float[] dy)
        {
            using var tdy = Tensor.FromArray(dev, dy, Output);
            using var tdb = Filled([c.OutChannels]);
            var s = dev.Split(Convolution.BackwardBiasItems(c));
            var kernel = dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ConvShape, float>(
                Convolution.BackwardBias);
            kernel(s.Threads, s, tdy.View, tdb.View, c, 0f);
            var once = tdb.ToArray();
            kernel(s.Threads, s, tdy.View, tdb.View, c, 1f);
            return (once, tdb.ToArray());
        }

        /// <summary>An output buffer full of NaN, so that any element a kernel fails to write shows.</summary>
        private Tensor Filled(int[] shape)
        {
            int n = 1;
            foreach (int d in shape) n *= d;
            return Tensor.FromArray(dev, Enumerable.Repeat(float.NaN, n).ToArray(), shape);
        }
    }
}
