using ILGPU;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// 2-D convolution with PyTorch Conv2d semantics and layouts, forward and backward, computed
/// directly (no im2col buffer). Shapes (see <see cref="ConvShape"/>): x [B, C, H, W],
/// W [O, C, KH, KW], bias [O], y [B, O, OH, OW]; dY [B, O, OH, OW], dX [B, C, H, W],
/// dW [O, C, KH, KW], db [O]. Zero padding PadH/PadW on each side, strides StrideH/StrideW.
/// </summary>
/// <remarks>
/// Each work item computes a 4×4 register tile of its output, as <see cref="Dense"/> does, so that
/// every loaded value feeds four multiply-adds; rows and columns past the edge are clamped for
/// loading and skipped for storing. Taps that fall into the zero padding are loaded as zero, with a
/// branch-free fast path where a whole tile is inside the image. No kernel uses atomics: every
/// output element is written by exactly one item, so results are deterministic.
/// </remarks>
public static class Convolution
{
    /// <summary>Items of <see cref="Forward"/>: B·⌈O/4⌉·OH·⌈OW/4⌉.</summary>
    public static int ForwardItems(ConvShape c) =>
        c.Batch * ((c.OutChannels + 3) / 4) * c.OutH * ((c.OutW + 3) / 4);

    /// <summary>Items of <see cref="BackwardInput"/>: B·⌈C/4⌉·H·StrideW·⌈⌈W/StrideW⌉/4⌉.</summary>
    public static int BackwardInputItems(ConvShape c) =>
        c.Batch * ((c.InChannels + 3) / 4) * c.Height * c.StrideW * RunsPerResidue(c);

    /// <summary>Items of <see cref="BackwardWeights"/>: ⌈O/4⌉·⌈C·KH·KW/4⌉.</summary>
    public static int BackwardWeightsItems(ConvShape c) =>
        ((c.OutChannels + 3) / 4) * ((c.InChannels * c.KernelH * c.KernelW + 3) / 4);

    /// <summary>Items of <see cref="BackwardBias"/>: O.</summary>
    public static int BackwardBiasItems(ConvShape c) => c.OutChannels;

    /// <summary>
    /// y[b, o, oy, ox] = bias[o] + Σ_{c,ky,kx} W[o, c, ky, kx]·x[b, c, oy·sH − pH + ky, ox·sW − pW + kx].
    /// One item: 4 output channels × 4 consecutive output columns of one output row.
    /// Items: <see cref="ForwardItems"/>.
    /// </summary>
    public static void Forward(Index1D t, WorkSplit s,
        ArrayView<float> x, ArrayView<float> w, ArrayView<float> bias, ArrayView<float> y, ConvShape c)
    {
        int runs = (c.OutW + 3) / 4;
        int groups = (c.OutChannels + 3) / 4;
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int item = s.Item(t, j);
            if (item >= s.Count) return;
            int run = item % runs;
            int rest = item / runs;
            int oy = rest % c.OutH;
            rest /= c.OutH;
            ForwardTile(x, w, bias, y, c, rest / groups, (rest % groups) * 4, oy, run * 4);
        }
    }

    /// <summary>
    /// dX[b, c, iy, ix] = Σ dY[b, o, oy, ox]·W[o, c, ky, kx] over every o and every tap with
    /// iy = oy·sH − pH + ky, ix = ox·sW − pW + kx (a gather: each input pixel collects from the
    /// outputs it fed). One item: 4 input channels × 4 input columns of one row that share their
    /// residue modulo StrideW (consecutive columns when the stride is 1), so that the 4 columns
    /// meet the same taps at 4 consecutive output columns. dX is overwritten.
    /// Items: <see cref="BackwardInputItems"/>.
    /// </summary>
    public static void BackwardInput(Index1D t, WorkSplit s,
        ArrayView<float> dy, ArrayView<float> w, ArrayView<float> dx, ConvShape c)
    {
        int perResidue = RunsPerResidue(c);
        int runsPerRow = c.StrideW * perResidue;
        int groups = (c.InChannels + 3) / 4;
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int item = s.Item(t, j);
            if (item >= s.Count) return;
            int run = item % runsPerRow;
            int rest = item / runsPerRow;
            int iy = rest % c.Height;
            rest /= c.Height;
            BackwardInputTile(dy, w, dx, c, rest / groups, (rest % groups) * 4, iy,
                run / perResidue, (run % perResidue) * 4);
        }
    }

    /// <summary>
    /// dW[o, c, ky, kx] = beta·dW[o, c, ky, kx] + Σ_{b,oy,ox} dY[b, o, oy, ox]·x[b, c, oy·sH − pH + ky, ox·sW − pW + kx];
    /// beta 0 overwrites, 1 accumulates. One item: 4 output channels × 4 consecutive taps of the
    /// flattened (c, ky, kx) axis, so even a 1-channel 5×5 kernel wastes no more than 3 of 100 slots.
    /// Items: <see cref="BackwardWeightsItems"/>.
    /// </summary>
    public static void BackwardWeights(Index1D t, WorkSplit s,
        ArrayView<float> dy, ArrayView<float> x, ArrayView<float> dw, ConvShape c, float beta)
    {
        int tapGroups = (c.InChannels * c.KernelH * c.KernelW + 3) / 4;
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int item = s.Item(t, j);
            if (item >= s.Count) return;
            BackwardWeightsTile(dy, x, dw, c, beta, (item / tapGroups) * 4, (item % tapGroups) * 4);
        }
    }

    /// <summary>db[o] = beta·db[o] + Σ_{b,oy,ox} dY[b, o, oy, ox]; beta 0 overwrites, 1 accumulates. Items: O.</summary>
    public static void BackwardBias(Index1D t, WorkSplit s,
        ArrayView<float> dy, ArrayView<float> db, ConvShape c, float beta)
    {
        int pixels = c.OutH * c.OutW;
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int o = s.Item(t, j);
            if (o >= s.Count) return;
            float sum = 0f;
            for (int b = 0; b < c.Batch; b++)
            {
                int plane = (b * c.OutChannels + o) * pixels;
                for (int p = 0; p < pixels; p++)
                    sum += dy[plane + p];
            }
            // beta is exactly 0 or 1; 0 must overwrite even NaN garbage left in a fresh buffer.
            db[o] = beta == 0f ? sum : beta * db[o] + sum;
        }
    }

    private static int RunsPerResidue(ConvShape c) => ((c.Width + c.StrideW - 1) / c.StrideW + 3) / 4;

    private static void ForwardTile(ArrayView<float> x, ArrayView<float> w, ArrayView<float> bias,
        ArrayView<float> y, ConvShape c, int b, int o0, int oy, int ox0)
    {
        int taps = c.InChannels * c.KernelH * c.KernelW;
        int last = c.OutChannels - 1;
        int w0 = o0 * taps, w1 = Math.Min(o0 + 1, last) * taps;
        int w2 = Math.Min(o0 + 2, last) * taps, w3 = Math.Min(o0 + 3, last) * taps;

        // Input column of each of the 4 output columns at kx = 0 (clamped columns repeat the last one).
        int lastX = c.OutW - 1;
        int i0 = ox0 * c.StrideW - c.PadW;
        int i1 = Math.Min(ox0 + 1, lastX) * c.StrideW - c.PadW;
        int i2 = Math.Min(ox0 + 2, lastX) * c.StrideW - c.PadW;
        int i3 = Math.Min(ox0 + 3, lastX) * c.StrideW - c.PadW;
        bool inside = i0 >= 0 && i3 + c.KernelW <= c.Width;
        int top = oy * c.StrideH - c.PadH;

        float a00 = 0, a01 = 0, a02 = 0, a03 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0;
        float a20 = 0, a21 = 0, a22 = 0, a23 = 0, a30 = 0, a31 = 0, a32 = 0, a33 = 0;
        for (int ch = 0; ch < c.InChannels; ch++)
        {
            int plane = (b * c.InChannels + ch) * c.Height;
            int wc = ch * c.KernelH * c.KernelW;
            for (int ky = 0; ky < c.KernelH; ky++)
            {
                int iy = top + ky;
                if (iy < 0 || iy >= c.Height) continue;
                int row = (plane + iy) * c.Width;
                int wr = wc + ky * c.KernelW;
                for (int kx = 0; kx < c.KernelW; kx++)
                {
                    float x0, x1, x2, x3;
                    if (inside)
                    {
                        x0 = x[row + i0 + kx]; x1 = x[row + i1 + kx];
                        x2 = x[row + i2 + kx]; x3 = x[row + i3 + kx];
                    }
                    else
                    {
                        x0 = LoadOrZero(x, row, i0 + kx, c.Width); x1 = LoadOrZero(x, row, i1 + kx, c.Width);
                        x2 = LoadOrZero(x, row, i2 + kx, c.Width); x3 = LoadOrZero(x, row, i3 + kx, c.Width);
                    }
                    int k = wr + kx;
                    float v0 = w[w0 + k], v1 = w[w1 + k], v2 = w[w2 + k], v3 = w[w3 + k];
                    a00 += v0 * x0; a01 += v0 * x1; a02 += v0 * x2; a03 += v0 * x3;
                    a10 += v1 * x0; a11 += v1 * x1; a12 += v1 * x2; a13 += v1 * x3;
                    a20 += v2 * x0; a21 += v2 * x1; a22 += v2 * x2; a23 += v2 * x3;
                    a30 += v3 * x0; a31 += v3 * x1; a32 += v3 * x2; a33 += v3 * x3;
                }
            }
        }

        StoreForwardRow(y, bias, c, b, o0, oy, ox0, a00, a01, a02, a03);
        StoreForwardRow(y, bias, c, b, o0 + 1, oy, ox0, a10, a11, a12, a13);
        StoreForwardRow(y, bias, c, b, o0 + 2, oy, ox0, a20, a21, a22, a23);
        StoreForwardRow(y, bias, c, b, o0 + 3, oy, ox0, a30, a31, a32, a33);
    }

    private static void StoreForwardRow(ArrayView<float> y, ArrayView<float> bias, ConvShape c,
        int b, int o, int oy, int ox0, float v0, float v1, float v2, float v3)
    {
        if (o >= c.OutChannels) return;
        float bo = bias[o];
        int row = ((b * c.OutChannels + o) * c.OutH + oy) * c.OutW + ox0;
        int n = c.OutW - ox0;
        y[row] = v0 + bo;
        if (n > 1) y[row + 1] = v1 + bo;
        if (n > 2) y[row + 2] = v2 + bo;
        if (n > 3) y[row + 3] = v3 + bo;
    }

    /// <summary>
    /// The 4 channels from c0 × the 4 input columns residue + (k0 + i)·StrideW of row iy. Column ix
    /// meets tap kx at output column (ix + PadW − kx)/StrideW when that divides evenly: only taps
    /// kx ≡ residue + PadW (mod StrideW) do, and for them the 4 columns land on 4 consecutive outputs.
    /// </summary>
    private static void BackwardInputTile(ArrayView<float> dy, ArrayView<float> w, ArrayView<float> dx,
        ConvShape c, int b, int c0, int iy, int residue, int k0)
    {
        int sW = c.StrideW;
        int columns = residue < c.Width ? (c.Width - residue + sW - 1) / sW : 0;
        if (k0 >= columns) return;
        // Position of each of the 4 columns within its residue class (clamped ones repeat the last).
        int k1 = Math.Min(k0 + 1, columns - 1), k2 = Math.Min(k0 + 2, columns - 1), k3 = Math.Min(k0 + 3, columns - 1);

        int kernelArea = c.KernelH * c.KernelW;
        int taps = c.InChannels * kernelArea;
        int lastC = c.InChannels - 1;
        int w0 = c0 * kernelArea, w1 = Math.Min(c0 + 1, lastC) * kernelArea;
        int w2 = Math.Min(c0 + 2, lastC) * kernelArea, w3 = Math.Min(c0 + 3, lastC) * kernelArea;
        int outPixels = c.OutH * c.OutW;
        int kyFirst = (iy + c.PadH) % c.StrideH;
        int kxFirst = (residue + c.PadW) % sW;

        float a00 = 0, a01 = 0, a02 = 0, a03 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0;
        float a20 = 0, a21 = 0, a22 = 0, a23 = 0, a30 = 0, a31 = 0, a32 = 0, a33 = 0;
        for (int o = 0; o < c.OutChannels; o++)
        {
            int plane = (b * c.OutChannels + o) * outPixels;
            int wo = o * taps;
            for (int ky = kyFirst; ky < c.KernelH; ky += c.StrideH)
            {
                int oy = (iy + c.PadH - ky) / c.StrideH;
                if (oy < 0) break;          // oy only falls as ky grows
                if (oy >= c.OutH) continue;
                int row = plane + oy * c.OutW;
                int wr = wo + ky * c.KernelW;
                for (int kx = kxFirst; kx < c.KernelW; kx += sW)
                {
                    // Output column of column k0 (exact: the numerator is a multiple of the stride).
                    int m = (residue + c.PadW - kx) / sW;
                    int ox0 = m + k0, ox1 = m + k1, ox2 = m + k2, ox3 = m + k3;
                    if (ox3 < 0) break;     // every later tap lands further left
                    float d0, d1, d2, d3;
                    if (ox0 >= 0 && ox3 < c.OutW)
                    {
                        d0 = dy[row + ox0]; d1 = dy[row + ox1]; d2 = dy[row + ox2]; d3 = dy[row + ox3];
                    }
                    else
                    {
                        d0 = LoadOrZero(dy, row, ox0, c.OutW); d1 = LoadOrZero(dy, row, ox1, c.OutW);
                        d2 = LoadOrZero(dy, row, ox2, c.OutW); d3 = LoadOrZero(dy, row, ox3, c.OutW);
                    }
                    int k = wr + kx;
                    float v0 = w[w0 + k], v1 = w[w1 + k], v2 = w[w2 + k], v3 = w[w3 + k];
                    a00 += v0 * d0; a01 += v0 * d1; a02 += v0 * d2; a03 += v0 * d3;
                    a10 += v1 * d0; a11 += v1 * d1; a12 += v1 * d2; a13 += v1 * d3;
                    a20 += v2 * d0; a21 += v2 * d1; a22 += v2 * d2; a23 += v2 * d3;
                    a30 += v3 * d0; a31 += v3 * d1; a32 += v3 * d2; a33 += v3 * d3;
                }
            }
        }

        StoreInputRow(dx, c, b, c0, iy, residue, k0, columns, a00, a01, a02, a03);
        StoreInputRow(dx, c, b, c0 + 1, iy, residue, k0, columns, a10, a11, a12, a13);
        StoreInputRow(dx, c, b, c0 + 2, iy, residue, k0, columns, a20, a21, a22, a23);
        StoreInputRow(dx, c, b, c0 + 3, iy, residue, k0, columns, a30, a31, a32, a33);
    }

    private static void StoreInputRow(ArrayView<float> dx, ConvShape c, int b, int ch, int iy,
        int residue, int k0, int columns, float v0, float v1, float v2, float v3)
    {
        if (ch >= c.InChannels) return;
        int sW = c.StrideW;
        int at = ((b * c.InChannels + ch) * c.Height + iy) * c.Width + residue + k0 * sW;
        int n = columns - k0;
        dx[at] = v0;
        if (n > 1) dx[at + sW] = v1;
        if (n > 2) dx[at + 2 * sW] = v2;
        if (n > 3) dx[at + 3 * sW] = v3;
    }

    /// <summary>
    /// The 4 output channels from o0 × the 4 taps t0..t0+3 of the flattened (c, ky, kx) weight axis.
    /// A tap reads x at a fixed offset from the output pixel's anchor, so the inner loop runs over
    /// output pixels with 4 dY and 4 x loads per 16 multiply-adds; the columns where all 4 taps are
    /// inside the image are found once, and only the rest pay for padding checks.
    /// </summary>
    private static void BackwardWeightsTile(ArrayView<float> dy, ArrayView<float> x, ArrayView<float> dw,
        ConvShape c, float beta, int o0, int t0)
    {
        int kernelArea = c.KernelH * c.KernelW;
        int taps = c.InChannels * kernelArea;
        int lastO = c.OutChannels - 1, lastT = taps - 1;
        int outPixels = c.OutH * c.OutW;
        int d0 = o0 * outPixels, d1 = Math.Min(o0 + 1, lastO) * outPixels;
        int d2 = Math.Min(o0 + 2, lastO) * outPixels, d3 = Math.Min(o0 + 3, lastO) * outPixels;

        int tap0 = t0, tap1 = Math.Min(t0 + 1, lastT), tap2 = Math.Min(t0 + 2, lastT), tap3 = Math.Min(t0 + 3, lastT);
        // Row and column of each tap relative to the output pixel's anchor (oy·sH, ox·sW).
        int ky0 = tap0 % kernelArea / c.KernelW - c.PadH, kx0 = tap0 % c.KernelW - c.PadW;
        int ky1 = tap1 % kernelArea / c.KernelW - c.PadH, kx1 = tap1 % c.KernelW - c.PadW;
        int ky2 = tap2 % kernelArea / c.KernelW - c.PadH, kx2 = tap2 % c.KernelW - c.PadW;
        int ky3 = tap3 % kernelArea / c.KernelW - c.PadH, kx3 = tap3 % c.KernelW - c.PadW;
        int plane = c.Height * c.Width;
        int x0 = tap0 / kernelArea * plane + ky0 * c.Width + kx0;
        int x1 = tap1 / kernelArea * plane + ky1 * c.Width + kx1;
        int x2 = tap2 / kernelArea * plane + ky2 * c.Width + kx2;
        int x3 = tap3 / kernelArea * plane + ky3 * c.Width + kx3;

        // Output columns [lo, hi] where every tap's input column is inside the image.
        int sW = c.StrideW;
        int lo = Math.Max(Math.Max(CeilDiv(-kx0, sW), CeilDiv(-kx1, sW)), Math.Max(CeilDiv(-kx2, sW), CeilDiv(-kx3, sW)));
        int hi = Math.Min(Math.Min(FloorDiv(c.Width - 1 - kx0, sW), FloorDiv(c.Width - 1 - kx1, sW)),
            Math.Min(FloorDiv(c.Width - 1 - kx2, sW), FloorDiv(c.Width - 1 - kx3, sW)));
        lo = Math.Max(lo, 0);
        hi = Math.Min(hi, c.OutW - 1);

        float a00 = 0, a01 = 0, a02 = 0, a03 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0;
        float a20 = 0, a21 = 0, a22 = 0, a23 = 0, a30 = 0, a31 = 0, a32 = 0, a33 = 0;
        for (int b = 0; b < c.Batch; b++)
        {
            int xImage = b * c.InChannels * plane;
            int dyImage = b * c.OutChannels * outPixels;
            for (int oy = 0; oy < c.OutH; oy++)
            {
                int anchorY = oy * c.StrideH;
                bool r0 = (uint)(anchorY + ky0) < (uint)c.Height, r1 = (uint)(anchorY + ky1) < (uint)c.Height;
                bool r2 = (uint)(anchorY + ky2) < (uint)c.Height, r3 = (uint)(anchorY + ky3) < (uint)c.Height;
                int fastLo = r0 && r1 && r2 && r3 && lo <= hi ? lo : c.OutW;
                int xRow = xImage + anchorY * c.Width;
                int dyRow = dyImage + oy * c.OutW;
                int ox = 0;
                while (ox < c.OutW)
                {
                    if (ox == fastLo)
                    {
                        for (; ox <= hi; ox++)
                        {
                            int xi = xRow + ox * sW, di = dyRow + ox;
                            float u0 = x[xi + x0], u1 = x[xi + x1], u2 = x[xi + x2], u3 = x[xi + x3];
                            float g0 = dy[di + d0], g1 = dy[di + d1], g2 = dy[di + d2], g3 = dy[di + d3];
                            a00 += g0 * u0; a01 += g0 * u1; a02 += g0 * u2; a03 += g0 * u3;
                            a10 += g1 * u0; a11 += g1 * u1; a12 += g1 * u2; a13 += g1 * u3;
                            a20 += g2 * u0; a21 += g2 * u1; a22 += g2 * u2; a23 += g2 * u3;
                            a30 += g3 * u0; a31 += g3 * u1; a32 += g3 * u2; a33 += g3 * u3;
                        }
                        continue;
                    }
                    {
                        int ix = ox * sW, xi = xRow + ix, di = dyRow + ox;
                        float u0 = r0 && (uint)(ix + kx0) < (uint)c.Width ? x[xi + x0] : 0f;
                        float u1 = r1 && (uint)(ix + kx1) < (uint)c.Width ? x[xi + x1] : 0f;
                        float u2 = r2 && (uint)(ix + kx2) < (uint)c.Width ? x[xi + x2] : 0f;
                        float u3 = r3 && (uint)(ix + kx3) < (uint)c.Width ? x[xi + x3] : 0f;
                        float g0 = dy[di + d0], g1 = dy[di + d1], g2 = dy[di + d2], g3 = dy[di + d3];
                        a00 += g0 * u0; a01 += g0 * u1; a02 += g0 * u2; a03 += g0 * u3;
                        a10 += g1 * u0; a11 += g1 * u1; a12 += g1 * u2; a13 += g1 * u3;
                        a20 += g2 * u0; a21 += g2 * u1; a22 += g2 * u2; a23 += g2 * u3;
                        a30 += g3 * u0; a31 += g3 * u1; a32 += g3 * u2; a33 += g3 * u3;
                        ox++;
                    }
                }
            }
        }

        StoreWeightsRow(dw, c, beta, o0, t0, taps, a00, a01, a02, a03);
        StoreWeightsRow(dw, c, beta, o0 + 1, t0, taps, a10, a11, a12, a13);
        StoreWeightsRow(dw, c, beta, o0 + 2, t0, taps, a20, a21, a22, a23);
        StoreWeightsRow(dw, c, beta, o0 + 3, t0, taps, a30, a31, a32, a33);
    }

    private static void StoreWeightsRow(ArrayView<float> dw, ConvShape c, float beta, int o, int t0, int taps,
        float v0, float v1, float v2, float v3)
    {
        if (o >= c.OutChannels) return;
        int at = o * taps + t0;
        int n = taps - t0;
        StoreScaled(dw, at, beta, v0);
        if (n > 1) StoreScaled(dw, at + 1, beta, v1);
        if (n > 2) StoreScaled(dw, at + 2, beta, v2);
        if (n > 3) StoreScaled(dw, at + 3, beta, v3);
    }

    // beta is exactly 0 or 1; 0 must overwrite even NaN garbage left in a fresh buffer.
    private static void StoreScaled(ArrayView<float> a, int at, float beta, float v) =>
        a[at] = beta == 0f ? v : beta * a[at] + v;

    /// <summary>a[row + i] when 0 ≤ i &lt; limit, else 0 (a tap in the zero padding).</summary>
    private static float LoadOrZero(ArrayView<float> a, int row, int i, int limit) =>
        (uint)i < (uint)limit ? a[row + i] : 0f;

    private static int FloorDiv(int a, int b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    private static int CeilDiv(int a, int b) => -FloorDiv(-a, b);
}
