using ILGPU;
using static IlgpuBlindSpots.Kernels.GemmTile;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// The convolution's forward product and input gradient for GPUs, as implicit GEMMs in
/// shared-memory tiles (explicitly grouped, <see cref="DenseGroupedGemm"/>'s scheme):
/// out[b, n, pixel] = Σ_p Wt[n, p]·Patch[(b, pixel), p] (+ bias[n]). Shapes (see <see cref="ConvShape"/>):
/// <list type="bullet">
/// <item>forward: n = output channel o, pixel = (oy, ox) of y [B, O, OH, OW], p = (c, ky, kx),
/// Wt = W [O, C·KH·KW], Patch = x[b, c, oy·sH − pH + ky, ox·sW − pW + kx] (zero in the padding);</item>
/// <item>input gradient: n = input channel c, pixel = (iy, ix) of dX [B, C, H, W], p = (o, ky, kx),
/// Wt[c, (o, ky, kx)] = W[o, c, ky, kx], Patch = dY[b, o, (iy + pH − ky)/sH, (ix + pW − kx)/sW]
/// where both divide evenly and land inside, else zero; dX is overwritten.</item>
/// </list>
/// No patch matrix is built: each 16-deep slice is gathered straight from x or dY into shared
/// memory. A group of 16×16 threads computes 64 channels × 64 pixels (pixels run on across
/// images), each thread a 4×4 block: channels ty + 16r, pixels tx + 16j, so neighbouring threads
/// store neighbouring pixels, and neighbouring threads gather neighbouring pixels.
/// </summary>
/// <remarks>
/// Every output sums its products in order p = 0, 1, …, then adds the bias, as
/// <see cref="Convolution"/>'s register tiles do where their order is p's (the input gradient; the
/// forward product at width stride 1): those skip what this adds as exact zeros, so on one device
/// both give the same floats. The gathers split the summed axis into (channel, ky, kx) by float
/// reciprocals, not integer divisions (see <see cref="Quotient"/>). The input gradient multiplies
/// the zeros of the strided taps too (sH·sW times the work at stride > 1). Not for ILGPU's CPU
/// accelerator, which emulates barriers with OS threads (see <see cref="DenseGroupedGemm"/>), nor,
/// as measured, for PoCL, where the register tiles ran faster (Network's ConvolutionProducts chooses).
/// </remarks>
public static class ConvGroupedGemm
{
    /// <summary>Groups of <see cref="Forward"/>: one per 64 output channels × 64 output pixels.</summary>
    public static int ForwardGroups(ConvShape c) => Groups(c.OutChannels, c.Batch * c.OutH * c.OutW);

    /// <summary>Groups of <see cref="BackwardInput"/>: one per 64 input channels × 64 input pixels.</summary>
    public static int BackwardInputGroups(ConvShape c) => Groups(c.InChannels, c.Batch * c.Height * c.Width);

    /// <summary>y = conv(x, W) + bias. Launch <see cref="ForwardGroups"/> groups of <see cref="GemmTile.GroupSize"/>.</summary>
    public static void Forward(ArrayView<float> x, ArrayView<float> w, ArrayView<float> bias, ArrayView<float> y, ConvShape c)
    {
        var sw = SharedMemory.Allocate<float>(Slice * Tile);
        var sp = SharedMemory.Allocate<float>(Slice * Tile);
        Tiles(x, w, bias, y, c, sw, sp, 0, 0);
    }

    /// <summary>
    /// y = max(conv(x, W) + bias, 0): <see cref="Forward"/> with the ReLU that follows it applied as
    /// each output is stored (<see cref="Activation.Relu"/>). Launch <see cref="ForwardGroups"/> groups of <see cref="GemmTile.GroupSize"/>.
    /// </summary>
    public static void ForwardRelu(ArrayView<float> x, ArrayView<float> w, ArrayView<float> bias, ArrayView<float> y, ConvShape c)
    {
        var sw = SharedMemory.Allocate<float>(Slice * Tile);
        var sp = SharedMemory.Allocate<float>(Slice * Tile);
        Tiles(x, w, bias, y, c, sw, sp, 0, 1);
    }

    /// <summary>dX of y = conv(x, W), overwritten. Launch <see cref="BackwardInputGroups"/> groups of <see cref="GemmTile.GroupSize"/>.</summary>
    public static void BackwardInput(ArrayView<float> dy, ArrayView<float> w, ArrayView<float> dx, ConvShape c)
    {
        var sw = SharedMemory.Allocate<float>(Slice * Tile);
        var sp = SharedMemory.Allocate<float>(Slice * Tile);
        Tiles(dy, w, dx, dx, c, sw, sp, 1, 0);
    }

    private static int Groups(int channels, int pixels) => ((channels + Tile - 1) / Tile) * ((pixels + Tile - 1) / Tile);

    /// <summary>
    /// The product of either kind; <paramref name="gradient"/> 0 is the forward product (with bias,
    /// and with <paramref name="relu"/> 1 its ReLU), 1 the input gradient.
    /// </summary>
    private static void Tiles(ArrayView<float> src, ArrayView<float> w, ArrayView<float> bias, ArrayView<float> dst,
        ConvShape c, ArrayView<float> sw, ArrayView<float> sp, int gradient, int relu)
    {
        int area = c.KernelH * c.KernelW;
        int channels = gradient == 0 ? c.OutChannels : c.InChannels;
        int depth = (gradient == 0 ? c.InChannels : c.OutChannels) * area;
        int planeW = gradient == 0 ? c.OutW : c.Width;
        int plane = (gradient == 0 ? c.OutH : c.Height) * planeW;
        int pixels = c.Batch * plane;
        int tilesP = (pixels + Tile - 1) / Tile;
        int row0 = (Grid.IdxX / tilesP) * Tile, col0 = (Grid.IdxX % tilesP) * Tile;
        int lane = Group.IdxX, tx = lane % 16, ty = lane / 16;
        float perArea = 1f / area, perKernelW = 1f / c.KernelW;
        int wRow = gradient == 0 ? depth : area, wOuter = gradient == 0 ? area : c.InChannels * area;
        // Patches: this thread gathers pixel col0 + lane % 64 at depths p0 + pd + 4r.
        int m = col0 + lane % Tile, pd = lane / Tile;
        int b = m / plane, py = m % plane / planeW, px = m % planeW;
        GemmBlock sum = default;
        for (int p0 = 0; p0 < depth; p0 += Slice)
        {
            // Weights: this thread stages depth p0 + tx (channel wq, tap of the kernel wk) of rows ty + 16r.
            int wq = Quotient(p0 + tx, area, perArea), wk = p0 + tx - wq * area;
            StageWeights(w, sw, lane, row0, channels, wq * wOuter + wk, p0 + tx < depth, wRow);
            for (int r = 0; r < Slice / 4; r++)
            {
                int d = p0 + pd + 4 * r;
                int q = Quotient(d, area, perArea), k = d - q * area;
                int ky = Quotient(k, c.KernelW, perKernelW), kx = k - ky * c.KernelW;
                bool inside = m < pixels && d < depth;
                sp[(pd + 4 * r) * Tile + lane % Tile] = inside ? Gather(src, c, gradient, b, py, px, q, ky, kx) : 0f;
            }
            Group.Barrier();
            sum.AddSlice(sw, sp, ty, tx);
            Group.Barrier();
        }
        int n0 = row0 + ty, add = 1 - gradient;
        StorePixel(dst, bias, add, relu, channels, plane, pixels, n0, col0 + tx, sum.C00, sum.C10, sum.C20, sum.C30);
        StorePixel(dst, bias, add, relu, channels, plane, pixels, n0, col0 + tx + 16, sum.C01, sum.C11, sum.C21, sum.C31);
        StorePixel(dst, bias, add, relu, channels, plane, pixels, n0, col0 + tx + 32, sum.C02, sum.C12, sum.C22, sum.C32);
        StorePixel(dst, bias, add, relu, channels, plane, pixels, n0, col0 + tx + 48, sum.C03, sum.C13, sum.C23, sum.C33);
    }

    /// <summary>
    /// Copies weight rows [first, first + 64) at one depth (offset <paramref name="at"/> within a
    /// row) into shared memory as [p][row], zeros past either edge: rows ty + 16r, depth tx.
    /// </summary>
    private static void StageWeights(ArrayView<float> w, ArrayView<float> dst, int lane, int first, int rows,
        int at, bool inDepth, int rowStride)
    {
        int tx = lane % 16, ty = lane / 16;
        for (int r = 0; r < Tile / 16; r++)
        {
            int row = first + ty + 16 * r;
            dst[tx * Tile + ty + 16 * r] = inDepth && row < rows ? w[row * rowStride + at] : 0f;
        }
    }

    /// <summary>Patch element (pixel (b, py, px), depth (q, ky, kx)) of the forward product or of the input gradient.</summary>
    private static float Gather(ArrayView<float> src, ConvShape c, int gradient, int b, int py, int px, int q, int ky, int kx)
    {
        if (gradient == 0)
        {
            int iy = py * c.StrideH - c.PadH + ky, ix = px * c.StrideW - c.PadW + kx;
            bool inside = (uint)iy < (uint)c.Height && (uint)ix < (uint)c.Width;
            return inside ? src[((b * c.InChannels + q) * c.Height + iy) * c.Width + ix] : 0f;
        }
        int ny = py + c.PadH - ky, nx = px + c.PadW - kx;
        int oy = Quotient(ny, c.StrideH, 1f / c.StrideH), ox = Quotient(nx, c.StrideW, 1f / c.StrideW);
        if (ny < 0 || nx < 0 || oy * c.StrideH != ny || ox * c.StrideW != nx) return 0f;
        return oy < c.OutH && ox < c.OutW ? src[((b * c.OutChannels + q) * c.OutH + oy) * c.OutW + ox] : 0f;
    }

    /// <summary>
    /// n / d for 0 ≤ n &lt; 2²¹ and d ≥ 1, by a float multiply: (n + ½)·(1/d) lies at least ½/d from
    /// the next integer, far more than its rounding error, so truncation gives the exact quotient.
    /// An integer division per gathered element costs more than the multiply-adds it feeds on a CPU
    /// OpenCL device, which has no vector integer division; a negative n gives a wrong quotient,
    /// which the callers never use.
    /// </summary>
    private static int Quotient(int n, int d, float reciprocal) => (int)((n + 0.5f) * reciprocal);

    /// <summary>
    /// Stores channels n0, n0 + 16, n0 + 32, n0 + 48 of pixel m (plus bias[n] when <paramref name="addBias"/>
    /// is 1, then max(·, 0) when <paramref name="relu"/> is 1); nothing past the edges.
    /// </summary>
    private static void StorePixel(ArrayView<float> dst, ArrayView<float> bias, int addBias, int relu, int channels, int plane, int pixels,
        int n0, int m, float v0, float v1, float v2, float v3)
    {
        if (m >= pixels) return;
        int at = (m / plane * channels + n0) * plane + m % plane;
        Store(dst, bias, addBias, relu, channels, n0, at, v0);
        Store(dst, bias, addBias, relu, channels, n0 + 16, at + 16 * plane, v1);
        Store(dst, bias, addBias, relu, channels, n0 + 32, at + 32 * plane, v2);
        Store(dst, bias, addBias, relu, channels, n0 + 48, at + 48 * plane, v3);
    }

    private static void Store(ArrayView<float> dst, ArrayView<float> bias, int addBias, int relu, int channels, int n, int at, float v)
    {
        if (n >= channels) return;
        float u = addBias != 0 ? v + bias[n] : v;
        dst[at] = relu != 0 ? Activation.Relu(u) : u;
    }
}
