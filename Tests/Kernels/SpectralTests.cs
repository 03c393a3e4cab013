using ILGPU;
using ILGPU.Runtime;

namespace IlgpuBlindSpots.Tests.Kernels;

/// <summary>The Spectral kernels one at a time against direct float64 sums.</summary>
public class SpectralTests
{
    [Theory]
    [InlineData(3, 2, 3, 4, 5, 6)]
    [InlineData(1, 1, 1, 1, 1, 1)]
    [InlineData(2, 3, 5, 2, 7, 5)]
    public void FilterTransformsGiveTheDftOfEveryFilter(int o, int c, int kh, int kw, int n, int m)
    {
        var dev = TestDevice.Current;
        var w = Rand.Uniform(51, o * c * kh * kw);
        int columns = m / 2 + 1, frequencies = n * columns;
        using var tw = Tensor.FromArray(dev, w, o, c, kh, kw);
        using var cosH = dev.Accelerator.Allocate1D(Table(n, n, kh, Math.Cos));
        using var sinH = dev.Accelerator.Allocate1D(Table(n, n, kh, Math.Sin));
        using var cosW = dev.Accelerator.Allocate1D(Table(m, columns, kw, Math.Cos));
        using var sinW = dev.Accelerator.Allocate1D(Table(m, columns, kw, Math.Sin));
        using var rowRe = dev.Accelerator.Allocate1D<double>(o * c * kh * columns);
        using var rowIm = dev.Accelerator.Allocate1D<double>(o * c * kh * columns);
        // Two launches over halves of the frequencies, as chunks run: firstFrequency must offset them.
        int half = (frequencies + 1) / 2;
        using var aRe = dev.Accelerator.Allocate1D<double>(half * o * c);
        using var aIm = dev.Accelerator.Allocate1D<double>(half * o * c);

        var s = dev.Split(o * c * kh);
        dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, int, int>(
            Spectral.FilterRowTransform)(s.Threads, s, tw.View, cosW.View, sinW.View, rowRe.View, rowIm.View, kw, columns);
        var column = dev.KernelCache.Load<WorkSplit, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>,
            ArrayView<double>, ArrayView<double>, int, int, int, int, int>(Spectral.FilterColumnTransform);
        for (int first = 0; first < frequencies; first += half)
        {
            int count = Math.Min(half, frequencies - first);
            var sc = dev.Split(count * o);
            column(sc.Threads, sc, rowRe.View, rowIm.View, cosH.View, sinH.View, aRe.View, aIm.View, first, columns, kh, o, c);
            var re = aRe.GetAsArray1D();
            var im = aIm.GetAsArray1D();
            for (int f = 0; f < count; f++)
            {
                int u = (first + f) / columns, v = (first + f) % columns;
                for (int oc = 0; oc < o * c; oc++)
                {
                    double er = 0, ei = 0;
                    for (int ky = 0; ky < kh; ky++)
                        for (int kx = 0; kx < kw; kx++)
                        {
                            double angle = -2 * Math.PI * ((double)u * ky / n + (double)v * kx / m);
                            er += w[(oc * kh + ky) * kw + kx] * Math.Cos(angle);
                            ei += w[(oc * kh + ky) * kw + kx] * Math.Sin(angle);
                        }
                    Assert.Equal(er, re[f * o * c + oc], tolerance: 1e-12);
                    Assert.Equal(ei, im[f * o * c + oc], tolerance: 1e-12);
                }
            }
        }
    }

    [Theory]
    [InlineData(3, 5, 7)]
    [InlineData(2, 1, 1)]
    [InlineData(4, 8, 3)]
    public void ComplexProductsMatchDirectSumsAndSkipStoppedProblems(int problems, int rows, int cols)
    {
        var dev = TestDevice.Current;
        var ar = Doubles(61, problems * rows * cols);
        var ai = Doubles(62, problems * rows * cols);
        var vr = Doubles(63, problems * cols);
        var vi = Doubles(64, problems * cols);
        var ur = Doubles(65, problems * rows);
        var ui = Doubles(66, problems * rows);
        var active = Enumerable.Range(0, problems).Select(f => f == 1 ? 0 : 1).ToArray();
        using var dar = dev.Accelerator.Allocate1D(ar);
        using var dai = dev.Accelerator.Allocate1D(ai);
        using var dvr = dev.Accelerator.Allocate1D(vr);
        using var dvi = dev.Accelerator.Allocate1D(vi);
        using var dur = dev.Accelerator.Allocate1D(ur);
        using var dui = dev.Accelerator.Allocate1D(ui);
        using var dactive = dev.Accelerator.Allocate1D(active);
        using var outUr = dev.Accelerator.Allocate1D(new double[problems * rows]);
        using var outUi = dev.Accelerator.Allocate1D(new double[problems * rows]);
        using var outWr = dev.Accelerator.Allocate1D(new double[problems * cols]);
        using var outWi = dev.Accelerator.Allocate1D(new double[problems * cols]);

        var s = dev.Split(problems * ((rows + 3) / 4));
        dev.KernelCache.Load<WorkSplit, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>,
            ArrayView<double>, ArrayView<double>, ArrayView<int>, int, int>(Spectral.ComplexMatVec)(
            s.Threads, s, dar.View, dai.View, dvr.View, dvi.View, outUr.View, outUi.View, dactive.View, rows, cols);
        s = dev.Split(problems * ((cols + 3) / 4));
        dev.KernelCache.Load<WorkSplit, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>,
            ArrayView<double>, ArrayView<double>, ArrayView<int>, int, int>(Spectral.ComplexMatVecAdjoint)(
            s.Threads, s, dar.View, dai.View, dur.View, dui.View, outWr.View, outWi.View, dactive.View, rows, cols);
        var gotUr = outUr.GetAsArray1D(); var gotUi = outUi.GetAsArray1D();
        var gotWr = outWr.GetAsArray1D(); var gotWi = outWi.GetAsArray1D();

        for (int f = 0; f < problems; f++)
        {
            for (int r = 0; r < rows; r++)
            {
                double er = 0, ei = 0;
                for (int c = 0; c < cols; c++)
                {
                    int a = (f * rows + r) * cols + c;
                    er += ar[a] * vr[f * cols + c] - ai[a] * vi[f * cols + c];
                    ei += ar[a] * vi[f * cols + c] + ai[a] * vr[f * cols + c];
                }
                // A stopped problem's outputs are left as they were (zero here).
                if (active[f] == 0) (er, ei) = (0, 0);
                Assert.Equal(er, gotUr[f * rows + r], tolerance: 1e-12);
                Assert.Equal(ei, gotUi[f * rows + r], tolerance: 1e-12);
            }
            for (int c = 0; c < cols; c++)
            {
                double er = 0, ei = 0;
                for (int r = 0; r < rows; r++)
                {
                    int a = (f * rows + r) * cols + c;
                    er += ar[a] * ur[f * rows + r] + ai[a] * ui[f * rows + r];
                    ei += ar[a] * ui[f * rows + r] - ai[a] * ur[f * rows + r];
                }
                if (active[f] == 0) (er, ei) = (0, 0);
                Assert.Equal(er, gotWr[f * cols + c], tolerance: 1e-12);
                Assert.Equal(ei, gotWi[f * cols + c], tolerance: 1e-12);
            }
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(5, 7)]
    [InlineData(9, 13)]
    [InlineData(16, 4)]
    public void RealProductsMatchTheDenseReference(int rows, int cols)
    {
        var dev = TestDevice.Current;
        var w = Rand.Uniform(71, rows * cols);
        var v = Rand.Uniform(72, cols);
        var u = Rand.Uniform(73, rows);
        using var tw = Tensor.FromArray(dev, w, rows, cols);
        using var dv = dev.Accelerator.Allocate1D(v.Select(x => (double)x).ToArray());
        using var du = dev.Accelerator.Allocate1D(u.Select(x => (double)x).ToArray());
        using var active = dev.Accelerator.Allocate1D(new[] { 1 });
        using var outU = dev.Accelerator.Allocate1D<double>(rows);
        using var outX = dev.Accelerator.Allocate1D<double>(cols);
        var s = dev.Split((rows + 3) / 4);
        dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<double>, ArrayView<double>, ArrayView<int>, int, int>(Spectral.MatVec)(
            s.Threads, s, tw.View, dv.View, outU.View, active.View, rows, cols);
        s = dev.Split((cols + 3) / 4);
        dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<double>, ArrayView<double>, ArrayView<int>, int, int>(Spectral.MatVecTransposed)(
            s.Threads, s, tw.View, du.View, outX.View, active.View, rows, cols);

        var expectedU = DenseReference.Forward(v, w, new float[rows], 1, cols, rows);
        var expectedX = DenseReference.BackwardInput(u, w, 1, cols, rows);
        var gotU = outU.GetAsArray1D();
        var gotX = outX.GetAsArray1D();
        for (int i = 0; i < rows; i++) Assert.Equal(expectedU[i], gotU[i], tolerance: 1e-12);
        for (int i = 0; i < cols; i++) Assert.Equal(expectedX[i], gotX[i], tolerance: 1e-12);
    }

    /// <summary>f(2π·((i·k) mod n)/n) as a [frequencies, taps] table, as the host code fills it.</summary>
    private static double[] Table(int n, int frequencies, int taps, Func<double, double> f)
    {
        var t = new double[frequencies * taps];
        for (int i = 0; i < frequencies; i++)
            for (int k = 0; k < taps; k++)
                t[i * taps + k] = f(2 * Math.PI * (i * k % n) / n);
        return t;
    }

    private static double[] Doubles(int seed, int count) => Rand.Uniform(seed, count).Select(x => (double)x).ToArray();
}
