using ILGPU;
using ILGPU.Runtime;
using IlgpuBlindSpots.Network.Layers;

namespace IlgpuBlindSpots.Optimizer.Analysis;

/// <summary>
/// Szegedy et al.'s upper bound on the operator norm of a convolution layer (section 4.3): the
/// maximum over frequencies of the largest singular value of the O×C matrix of filter DFTs.
/// </summary>
/// <remarks>
/// <para><b>Circular, stride 1.</b> On an N×M torus, y_o[p] = Σ_c Σ_k W[o, c, k]·x_c[p + k] (indices
/// mod N, M). Its DFT is ŷ(ξ) = A(ξ)·x̂(ξ) with A(ξ)[o, c] = Σ_k W[o, c, k]·e^{+2πi ξ·k} =
/// conj(Ŵ[o, c](ξ)) (a padding offset only multiplies A(ξ) by a unit phase). By Parseval
/// ‖y‖² = (1/NM)·Σ_ξ ‖A(ξ) x̂(ξ)‖² ≤ max_ξ σ_max(A(ξ))²·‖x‖², and a real x whose spectrum sits
/// on ±ξ* along the top singular vector (conjugated at −ξ*) attains it, so the operator norm is
/// exactly max_ξ σ_max(Ŵ(ξ)) (conjugation and a phase keep singular values). The filter must fit
/// the torus (KH ≤ N, KW ≤ M), or taps would alias.</para>
/// <para><b>Zero padding P.</b> Place the H×W input at rows and columns P … P + H − 1 of an
/// (H + 2P)×(W + 2P) torus, zeros elsewhere: an isometry E, and exactly the layer's padded input.
/// The circular convolution C on that torus, read at output (oy·S, ox·S), takes rows
/// oy·S + ky ≤ (OH − 1)·S + KH − 1 ≤ H + 2P − 1: no tap wraps, so it equals the layer's output.
/// Hence layer = R·C·E, where R keeps the outputs the layer keeps (a coordinate selection, norm
/// ≤ 1), and ‖layer‖ ≤ ‖R‖·‖C‖·‖E‖ ≤ ‖C‖: the bound at the padded size holds for zero padding.
/// It is not exact: R drops outputs and E restricts the inputs. (Circularly the P zeros before and
/// after the input are the same zeros, so H + P rows would also do; we use the paper's H + 2P.)</para>
/// <para><b>Stride S.</b> A strided convolution is the stride-1 one followed by keeping every S-th
/// output (R above, again a coordinate selection), which cannot increase the norm: the stride-1
/// bound is an upper bound, not the exact norm. The paper's tighter strided formula is not used.</para>
/// <para><b>Cost.</b> W is real, so Ŵ(−ξ) = conj(Ŵ(ξ)) has the same singular values: only the
/// N·(⌊M/2⌋ + 1) frequencies with v ≤ M/2 are computed. Per frequency, power iteration on AᴴA
/// (O·C complex multiply-adds per product) runs on the device, many frequencies at once, in
/// chunks whose matrices fit <see cref="ScratchBytes"/>.</para>
/// </remarks>
public static class FourierConvolutionBound
{
    /// <summary>Device memory for one chunk of per-frequency matrices (complex float64).</summary>
    private const long ScratchBytes = 128L << 20;

    /// <summary>The bound for a layer, on its zero-padded input size (H + 2P)×(W + 2P).</summary>
    public static FourierBound ForLayer(Conv2dLayer layer, PowerIterationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return Compute(layer.Weight.Value, layer.InHeight + 2 * layer.Padding, layer.InWidth + 2 * layer.Padding, options);
    }

    /// <summary>
    /// max over the frequencies of a <paramref name="height"/>×<paramref name="width"/> torus of
    /// σ_max of the filters' DFT matrix, for filters W [O, C, KH, KW]: the exact operator norm of
    /// the stride-1 circular convolution on that torus.
    /// </summary>
    public static FourierBound Compute(Tensor weight, int height, int width, PowerIterationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(weight);
        options ??= new PowerIterationOptions();
        options.Validate();
        var (outC, inC, kh, kw) = FilterShape(weight, height, width);

        var device = weight.Device;
        int columns = width / 2 + 1;
        int frequencies = height * columns;
        long perFrequency = 16L * outC * inC;
        int chunk = (int)Math.Clamp(ScratchBytes / perFrequency, 1, frequencies);

        var rowTransform = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<double>, ArrayView<double>,
            ArrayView<double>, ArrayView<double>, int, int>(Spectral.FilterRowTransform);
        var columnTransform = device.KernelCache.Load<WorkSplit, ArrayView<double>, ArrayView<double>, ArrayView<double>,
            ArrayView<double>, ArrayView<double>, ArrayView<double>, int, int, int, int, int>(Spectral.FilterColumnTransform);
        var matVec = device.KernelCache.Load<WorkSplit, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>,
            ArrayView<double>, ArrayView<double>, ArrayView<int>, int, int>(Spectral.ComplexMatVec);
        var adjoint = device.KernelCache.Load<WorkSplit, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>,
            ArrayView<double>, ArrayView<double>, ArrayView<int>, int, int>(Spectral.ComplexMatVecAdjoint);

        var (cosH, sinH) = Twiddles(height, height, kh);
        var (cosW, sinW) = Twiddles(width, columns, kw);
        var owned = new List<IDisposable>();
        try
        {
            var dCosH = Own(owned, device.Accelerator.Allocate1D(cosH));
            var dSinH = Own(owned, device.Accelerator.Allocate1D(sinH));
            var dCosW = Own(owned, device.Accelerator.Allocate1D(cosW));
            var dSinW = Own(owned, device.Accelerator.Allocate1D(sinW));
            int filterRows = outC * inC * kh;
            var rowRe = Own(owned, Allocate(device, (long)filterRows * columns));
            var rowIm = Own(owned, Allocate(device, (long)filterRows * columns));
            var aRe = Own(owned, Allocate(device, (long)chunk * outC * inC));
            var aIm = Own(owned, Allocate(device, (long)chunk * outC * inC));
            var iteration = Own(owned, new BatchedPowerIteration(device, chunk, outC, inC));

            var sr = device.Split(filterRows);
            rowTransform(sr.Threads, sr, weight.View, dCosW.View, dSinW.View, rowRe.View, rowIm.View, kw, columns);

            var strongest = new StrongestFrequency();
            for (int first = 0; first < frequencies; first += chunk)
            {
                int count = Math.Min(chunk, frequencies - first);
                var sc = device.Split(count * outC);
                columnTransform(sc.Threads, sc, rowRe.View, rowIm.View, dCosH.View, dSinH.View, aRe.View, aIm.View,
                    first, columns, kh, outC, inC);
                var outcome = iteration.Run(count, complexValued: true,
                    n =>
                    {
                        var s = device.Split(n * ((outC + 3) / 4));
                        matVec(s.Threads, s, aRe.View, aIm.View, iteration.VRe, iteration.VIm, iteration.URe, iteration.UIm,
                            iteration.Active, outC, inC);
                    },
                    n =>
                    {
                        var s = device.Split(n * ((inC + 3) / 4));
                        adjoint(s.Threads, s, aRe.View, aIm.View, iteration.URe, iteration.UIm, iteration.WRe, iteration.WIm,
                            iteration.Active, outC, inC);
                    },
                    options);
                strongest.Add(outcome, first, count, weight);
            }
            return new FourierBound(strongest.Sigma, height, width, strongest.At / columns, strongest.At % columns,
                strongest.MostIterations, strongest.Converged);
        }
        finally
        {
            for (int i = owned.Count - 1; i >= 0; i--) owned[i].Dispose();
        }
    }

    /// <summary>The filters' (O, C, KH, KW), checked to be four sizes whose taps fit the torus.</summary>
    private static (int Out, int In, int Height, int Width) FilterShape(Tensor weight, int height, int width)
    {
        if (weight.Rank != 4)
            throw new BlindSpotsException($"Fourier bound: filters must be [O, C, KH, KW], got {Tensor.Format(weight.Shape)}");
        int kh = weight.Shape[2], kw = weight.Shape[3];
        if (kh > height || kw > width)
            throw new BlindSpotsException(
                $"Fourier bound: a {kh}×{kw} filter does not fit a {height}×{width} torus (its taps would wrap onto each other)");
        return (weight.Shape[0], weight.Shape[1], kh, kw);
    }

    /// <summary>The largest σ over the frequencies seen so far, where it is, and how the power iterations went.</summary>
    private sealed class StrongestFrequency
    {
        public double Sigma { get; private set; } = -1;
        public int At { get; private set; }
        public int MostIterations { get; private set; }
        public bool Converged { get; private set; } = true;

        /// <summary>Takes in the σ of frequencies first..first+count−1; a σ that is not finite means weights that are not.</summary>
        public void Add(BatchOutcome outcome, int first, int count, Tensor weight)
        {
            for (int f = 0; f < count; f++)
            {
                double sigma = outcome.Sigma[f];
                if (!double.IsFinite(sigma))
                    throw new BlindSpotsException(
                        $"Fourier bound of {Tensor.Format(weight.Shape)} filters is {sigma}: the weights are not finite");
                if (sigma > Sigma) (Sigma, At) = (sigma, first + f);
                MostIterations = Math.Max(MostIterations, outcome.Iterations[f]);
                Converged &= outcome.Converged[f];
            }
        }
    }

    /// <summary>cos and sin of 2π·((f·k) mod n)/n for f below <paramref name="frequencies"/> and k below <paramref name="taps"/>, [f, k].</summary>
    private static (double[] Cos, double[] Sin) Twiddles(int n, int frequencies, int taps)
    {
        var cos = new double[frequencies * taps];
        var sin = new double[frequencies * taps];
        for (int f = 0; f < frequencies; f++)
            for (int k = 0; k < taps; k++)
            {
                // Reducing f·k modulo n first keeps the angle below 2π, where cos and sin are exact to an ulp.
                double angle = 2 * Math.PI * (int)((long)f * k % n) / n;
                cos[f * taps + k] = Math.Cos(angle);
                sin[f * taps + k] = Math.Sin(angle);
            }
        return (cos, sin);
    }

    private static MemoryBuffer1D<double, Stride1D.Dense> Allocate(ComputeDevice device, long length)
    {
        try
        {
            return device.Accelerator.Allocate1D<double>(Math.Max(1, length));
        }
        catch (Exception e) when (e is OutOfMemoryException || e is AcceleratorException)
        {
            throw new BlindSpotsException($"Fourier bound: {length} float64 values do not fit in the memory of {device.Id}", e);
        }
    }

    private static T Own<T>(List<IDisposable> owned, T resource) where T : IDisposable
    {
        owned.Add(resource);
        return resource;
    }
}
