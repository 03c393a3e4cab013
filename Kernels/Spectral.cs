using ILGPU;
using ILGPU.Algorithms;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// Largest singular values on the device: the 2-D DFT of convolution filters, and power iteration
/// on a batch of independent complex matrices (one per frequency) or on one real matrix.
/// </summary>
/// <remarks>
/// <para>Filter DFT. For filters W [O, C, KH, KW] on an N×M torus, the transfer matrix at frequency
/// (u, v) is Ŵ[o, c](u, v) = Σ_{ky,kx} W[o, c, ky, kx]·e^{−2πi(u·ky/N + v·kx/M)}. It is computed
/// separably: <see cref="FilterRowTransform"/> takes the sum over kx for every column frequency v
/// (R [O, C, KH, V] complex), then <see cref="FilterColumnTransform"/> takes the sum over ky for a
/// range of frequencies (A [F, O, C] complex). Twiddle factors come from float64 tables the host
/// fills (cos/sin of 2π·((u·k) mod N)/N), so no kernel evaluates a trigonometric function.</para>
/// <para>Power iteration. Problem f holds a matrix A_f with <c>rows</c> rows and <c>cols</c>
/// columns and a unit vector v_f; one iteration is u = A v (<see cref="ComplexMatVec"/> or
/// <see cref="MatVec"/>), w = Aᴴu (<see cref="ComplexMatVecAdjoint"/> or
/// <see cref="MatVecTransposed"/>), then <see cref="PowerIterationStep"/>: σ_f = ‖u‖, v = w/‖w‖.
/// ‖A v‖ of the power iterates never decreases and tends to the largest singular value from below.
/// A problem stops (active[f] = 0) when σ_f changed by at most <c>tolerance</c>·σ_f; the other
/// kernels skip stopped problems.</para>
/// <para>Complex values are split into real and imaginary arrays. Everything but the real FC weight
/// matrix is float64: the singular value is wanted to about 1e-6, below float32 rounding of the
/// sums. The context must not demote doubles, and an OpenCL device needs fp64 support.</para>
/// </remarks>
public static class Spectral
{
    /// <summary>
    /// R[i, v] = Σ_kx w[i, kx]·(cosW[v, kx] − i·sinW[v, kx]) for every filter row i = (o, c, ky):
    /// w [O·C·KH, KW], cosW/sinW [V, KW], rowRe/rowIm [O·C·KH, V]. Items: O·C·KH.
    /// </summary>
    public static void FilterRowTransform(Index1D t, WorkSplit s,
        ArrayView<float> w, ArrayView<double> cosW, ArrayView<double> sinW,
        ArrayView<double> rowRe, ArrayView<double> rowIm, int kernelW, int columns)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int i = s.Item(t, j);
            if (i >= s.Count) return;
            int taps = i * kernelW;
            for (int v = 0; v < columns; v++)
            {
                int tw = v * kernelW;
                double re = 0.0, im = 0.0;
                for (int kx = 0; kx < kernelW; kx++)
                {
                    double x = w[taps + kx];
                    re += x * cosW[tw + kx];
                    im -= x * sinW[tw + kx];
                }
                rowRe[i * columns + v] = re;
                rowIm[i * columns + v] = im;
            }
        }
    }

    /// <summary>
    /// A[f, o, c] = Σ_ky (cosH[u, ky] − i·sinH[u, ky])·R[o, c, ky, v] for the frequencies
    /// g = firstFrequency + f, (u, v) = (g / V, g mod V): R [O, C, KH, V], cosH/sinH [N, KH],
    /// A [F, O, C]. Items: F·O (one frequency, one output channel, every input channel).
    /// </summary>
    public static void FilterColumnTransform(Index1D t, WorkSplit s,
        ArrayView<double> rowRe, ArrayView<double> rowIm, ArrayView<double> cosH, ArrayView<double> sinH,
        ArrayView<double> aRe, ArrayView<double> aIm,
        int firstFrequency, int columns, int kernelH, int outChannels, int inChannels)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int item = s.Item(t, j);
            if (item >= s.Count) return;
            int f = item / outChannels;
            int o = item % outChannels;
            int g = firstFrequency + f;
            int u = g / columns, v = g % columns;
            int tw = u * kernelH;
            int dst = (f * outChannels + o) * inChannels;
            for (int c = 0; c < inChannels; c++)
            {
                int src = (o * inChannels + c) * kernelH * columns + v;
                double re = 0.0, im = 0.0;
                for (int ky = 0; ky < kernelH; ky++)
                {
                    double cr = cosH[tw + ky], si = sinH[tw + ky];
                    double rr = rowRe[src + ky * columns], ri = rowIm[src + ky * columns];
                    // (cr − i·si)(rr + i·ri)
                    re += cr * rr + si * ri;
                    im += cr * ri - si * rr;
                }
                aRe[dst + c] = re;
                aIm[dst + c] = im;
            }
        }
    }

    /// <summary>
    /// u[f, :] = A[f]·v[f, :] for the active problems: A [F, rows, cols], v [F, cols], u [F, rows],
    /// all complex. One item: 4 rows of one problem, so each loaded v entry feeds 4 products.
    /// Items: F·⌈rows/4⌉.
    /// </summary>
    public static void ComplexMatVec(Index1D t, WorkSplit s,
        ArrayView<double> aRe, ArrayView<double> aIm, ArrayView<double> vRe, ArrayView<double> vIm,
        ArrayView<double> uRe, ArrayView<double> uIm, ArrayView<int> active, int rows, int cols)
    {
        int groups = (rows + 3) / 4;
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int item = s.Item(t, j);
            if (item >= s.Count) return;
            int f = item / groups;
            if (active[f] == 0) continue;
            int r0 = (item % groups) * 4;
            int last = rows - 1;
            int m0 = (f * rows + r0) * cols, m1 = (f * rows + Math.Min(r0 + 1, last)) * cols;
            int m2 = (f * rows + Math.Min(r0 + 2, last)) * cols, m3 = (f * rows + Math.Min(r0 + 3, last)) * cols;
            int vec = f * cols;
            double re0 = 0, im0 = 0, re1 = 0, im1 = 0, re2 = 0, im2 = 0, re3 = 0, im3 = 0;
            for (int c = 0; c < cols; c++)
            {
                double xr = vRe[vec + c], xi = vIm[vec + c];
                double ar = aRe[m0 + c], ai = aIm[m0 + c];
                re0 += ar * xr - ai * xi; im0 += ar * xi + ai * xr;
                ar = aRe[m1 + c]; ai = aIm[m1 + c];
                re1 += ar * xr - ai * xi; im1 += ar * xi + ai * xr;
                ar = aRe[m2 + c]; ai = aIm[m2 + c];
                re2 += ar * xr - ai * xi; im2 += ar * xi + ai * xr;
                ar = aRe[m3 + c]; ai = aIm[m3 + c];
                re3 += ar * xr - ai * xi; im3 += ar * xi + ai * xr;
            }
            int at = f * rows + r0;
            int n = rows - r0;
            uRe[at] = re0; uIm[at] = im0;
            if (n > 1) { uRe[at + 1] = re1; uIm[at + 1] = im1; }
            if (n > 2) { uRe[at + 2] = re2; uIm[at + 2] = im2; }
            if (n > 3) { uRe[at + 3] = re3; uIm[at + 3] = im3; }
        }
    }

    /// <summary>
    /// w[f, :] = A[f]ᴴ·u[f, :] (conjugate transpose) for the active problems: A [F, rows, cols],
    /// u [F, rows], w [F, cols], all complex. One item: 4 consecutive columns of one problem, read
    /// as contiguous runs of each row. Items: F·⌈cols/4⌉.
    /// </summary>
    public static void ComplexMatVecAdjoint(Index1D t, WorkSplit s,
        ArrayView<double> aRe, ArrayView<double> aIm, ArrayView<double> uRe, ArrayView<double> uIm,
        ArrayView<double> wRe, ArrayView<double> wIm, ArrayView<int> active, int rows, int cols)
    {
        int groups = (cols + 3) / 4;
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int item = s.Item(t, j);
            if (item >= s.Count) return;
            int f = item / groups;
            if (active[f] == 0) continue;
            int c0 = (item % groups) * 4;
            int last = cols - 1;
            int k1 = Math.Min(c0 + 1, last), k2 = Math.Min(c0 + 2, last), k3 = Math.Min(c0 + 3, last);
            double re0 = 0, im0 = 0, re1 = 0, im1 = 0, re2 = 0, im2 = 0, re3 = 0, im3 = 0;
            for (int r = 0; r < rows; r++)
            {
                double yr = uRe[f * rows + r], yi = uIm[f * rows + r];
                int row = (f * rows + r) * cols;
                // conj(a)·y = (ar·yr + ai·yi) + i(ar·yi − ai·yr)
                double ar = aRe[row + c0], ai = aIm[row + c0];
                re0 += ar * yr + ai * yi; im0 += ar * yi - ai * yr;
                ar = aRe[row + k1]; ai = aIm[row + k1];
                re1 += ar * yr + ai * yi; im1 += ar * yi - ai * yr;
                ar = aRe[row + k2]; ai = aIm[row + k2];
                re2 += ar * yr + ai * yi; im2 += ar * yi - ai * yr;
                ar = aRe[row + k3]; ai = aIm[row + k3];
                re3 += ar * yr + ai * yi; im3 += ar * yi - ai * yr;
            }
            int at = f * cols + c0;
            int n = cols - c0;
            wRe[at] = re0; wIm[at] = im0;
            if (n > 1) { wRe[at + 1] = re1; wIm[at + 1] = im1; }
            if (n > 2) { wRe[at + 2] = re2; wIm[at + 2] = im2; }
            if (n > 3) { wRe[at + 3] = re3; wIm[at + 3] = im3; }
        }
    }

    /// <summary>
    /// u = W·v for one real problem (skipped when active[0] is 0): W [rows, cols] float32 (an FC
    /// weight, PyTorch's [out, in]), v [cols], u [rows] float64. One item: 4 rows. Items: ⌈rows/4⌉.
    /// </summary>
    public static void MatVec(Index1D t, WorkSplit s,
        ArrayView<float> w, ArrayView<double> v, ArrayView<double> u, ArrayView<int> active, int rows, int cols)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int item = s.Item(t, j);
            if (item >= s.Count) return;
            if (active[0] == 0) return;
            int r0 = item * 4;
            int last = rows - 1;
            int m0 = r0 * cols, m1 = Math.Min(r0 + 1, last) * cols;
            int m2 = Math.Min(r0 + 2, last) * cols, m3 = Math.Min(r0 + 3, last) * cols;
            double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
            for (int c = 0; c < cols; c++)
            {
                double x = v[c];
                a0 += w[m0 + c] * x;
                a1 += w[m1 + c] * x;
                a2 += w[m2 + c] * x;
                a3 += w[m3 + c] * x;
            }
            int n = rows - r0;
            u[r0] = a0;
            if (n > 1) u[r0 + 1] = a1;
            if (n > 2) u[r0 + 2] = a2;
            if (n > 3) u[r0 + 3] = a3;
        }
    }

    /// <summary>
    /// x = Wᵀ·u for one real problem (skipped when active[0] is 0): W [rows, cols] float32,
    /// u [rows], x [cols] float64. One item: 4 consecutive columns. Items: ⌈cols/4⌉.
    /// </summary>
    public static void MatVecTransposed(Index1D t, WorkSplit s,
        ArrayView<float> w, ArrayView<double> u, ArrayView<double> x, ArrayView<int> active, int rows, int cols)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int item = s.Item(t, j);
            if (item >= s.Count) return;
            if (active[0] == 0) return;
            int c0 = item * 4;
            int last = cols - 1;
            int k1 = Math.Min(c0 + 1, last), k2 = Math.Min(c0 + 2, last), k3 = Math.Min(c0 + 3, last);
            double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
            for (int r = 0; r < rows; r++)
            {
                double y = u[r];
                int row = r * cols;
                a0 += w[row + c0] * y;
                a1 += w[row + k1] * y;
                a2 += w[row + k2] * y;
                a3 += w[row + k3] * y;
            }
            int n = cols - c0;
            x[c0] = a0;
            if (n > 1) x[c0 + 1] = a1;
            if (n > 2) x[c0 + 2] = a2;
            if (n > 3) x[c0 + 3] = a3;
        }
    }

    /// <summary>
    /// Starts power iteration: v[f, :] a pseudo-random unit vector (a hash of seed, f and the
    /// index, so every problem starts off any fixed subspace; imaginary parts zero unless
    /// complexValued is 1), sigma 0, change 1, iterations 0, active 1. v [F, cols]. Items: F.
    /// </summary>
    public static void PowerIterationStart(Index1D t, WorkSplit s,
        ArrayView<double> vRe, ArrayView<double> vIm, ArrayView<double> sigma, ArrayView<double> change,
        ArrayView<int> iterations, ArrayView<int> active, int cols, int seed, int complexValued)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int f = s.Item(t, j);
            if (f >= s.Count) return;
            int vec = f * cols;
            double sum = 0.0;
            for (int c = 0; c < cols; c++)
            {
                double re = HashUniform(seed, f, 2 * c);
                double im = complexValued != 0 ? HashUniform(seed, f, 2 * c + 1) : 0.0;
                vRe[vec + c] = re;
                vIm[vec + c] = im;
                sum += re * re + im * im;
            }
            double scale = 1.0 / XMath.Sqrt(sum);
            for (int c = 0; c < cols; c++)
            {
                vRe[vec + c] *= scale;
                vIm[vec + c] *= scale;
            }
            sigma[f] = 0.0;
            change[f] = 1.0;
            iterations[f] = 0;
            active[f] = 1;
        }
    }

    /// <summary>
    /// Ends one iteration of every active problem, given u = A v [F, rows] and w = Aᴴu [F, cols]:
    /// σ = ‖u‖ (the new estimate; v was a unit vector), change = |σ − σ_previous|/σ, iterations + 1,
    /// v = w/‖w‖, and active = 0 once change ≤ tolerance or A v = 0 (then σ = 0 is exact).
    /// Items: F.
    /// </summary>
    public static void PowerIterationStep(Index1D t, WorkSplit s,
        ArrayView<double> uRe, ArrayView<double> uIm, ArrayView<double> wRe, ArrayView<double> wIm,
        ArrayView<double> vRe, ArrayView<double> vIm, ArrayView<double> sigma, ArrayView<double> change,
        ArrayView<int> iterations, ArrayView<int> active, int rows, int cols, double tolerance)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int f = s.Item(t, j);
            if (f >= s.Count) return;
            if (active[f] == 0) continue;
            double uu = 0.0;
            for (int r = 0; r < rows; r++)
            {
                double a = uRe[f * rows + r], b = uIm[f * rows + r];
                uu += a * a + b * b;
            }
            double ww = 0.0;
            for (int c = 0; c < cols; c++)
            {
                double a = wRe[f * cols + c], b = wIm[f * cols + c];
                ww += a * a + b * b;
            }
            double estimate = XMath.Sqrt(uu);
            iterations[f] += 1;
            if (!(ww > 0.0))
            {
                // A v = 0 (or Aᴴ A v underflowed): the start vector is random, so A is zero.
                sigma[f] = estimate;
                change[f] = 0.0;
                active[f] = 0;
                continue;
            }
            double delta = XMath.Abs(estimate - sigma[f]) / estimate;
            sigma[f] = estimate;
            change[f] = delta;
            if (delta <= tolerance) active[f] = 0;
            double scale = 1.0 / XMath.Sqrt(ww);
            for (int c = 0; c < cols; c++)
            {
                vRe[f * cols + c] = wRe[f * cols + c] * scale;
                vIm[f * cols + c] = wIm[f * cols + c] * scale;
            }
        }
    }

    /// <summary>A uniform value in [−1, 1) from (seed, problem, index): murmur3's 32-bit finalizer over a combined key.</summary>
    private static double HashUniform(int seed, int problem, int index)
    {
        uint h = (uint)seed * 0x9E3779B1u ^ (uint)problem * 0x85EBCA77u ^ (uint)index * 0xC2B2AE3Du;
        h ^= h >> 16;
        h *= 0x85EBCA6Bu;
        h ^= h >> 13;
        h *= 0xC2B2AE35u;
        h ^= h >> 16;
        return (h >> 8) * (2.0 / 16777216.0) - 1.0;
    }
}
