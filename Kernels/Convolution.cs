using ILGPU;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// 2-D convolution with PyTorch Conv2d semantics and layouts, forward and backward, computed
/// directly (no im2col buffer). Shapes (see <see cref="ConvShape"/>): x [B, C, H, W],
/// W [O, C, KH, KW], bias [O], y [B, O, OH, OW]; dY [B, O, OH, OW], dX [B, C, H, W],
/// dW [O, C, KH, KW], db [O]. Zero padding PadH/PadW on each side, strides StrideH/StrideW.
/// </summary>
/// <remarks>
/// Each work item computes a 32-element register tile of its output (4×8 or 8×4; Dense uses 4×4).
/// On the CPU accelerator an ArrayView access costs about ten instructions of range assertions, far
/// more than the multiply-add it feeds, so what decides speed is multiply-adds per access: the
/// forward and input-gradient tiles slide an 8-wide window along a row and load one new value and
/// 4 weights per 32 multiply-adds, the weight-gradient tile loads 12 values per 32. Tile rows past
/// the edge are clamped for loading and skipped for storing; taps in the zero padding load as zero.
/// No kernel uses atomics: every output element is written by exactly one item, so results are
/// deterministic.
/// </remarks>
public static class Convolution
{
    /// <summary>Items of <see cref="Forward"/>: B·⌈O/4⌉·OH·⌈OW/8⌉.</summary>
    public static int ForwardItems(ConvShape c) =>
        c.Batch * ((c.OutChannels + 3) / 4) * c.OutH * ((c.OutW + 7) / 8);

    /// <summary>Items of <see cref="BackwardInput"/>: B·⌈C/4⌉·H·StrideW·⌈⌈W/StrideW⌉/8⌉.</summary>
    public static int BackwardInputItems(ConvShape c) =>
        c.Batch * ((c.InChannels + 3) / 4) * c.Height * c.StrideW * RunsPerResidue(c);

    /// <summary>Items of <see cref="BackwardWeights"/>: ⌈O/8⌉·⌈C·KH·KW/4⌉.</summary>
    public static int BackwardWeightsItems(ConvShape c) =>
        ((c.OutChannels + 7) / 8) * ((c.InChannels * c.KernelH * c.KernelW + 3) / 4);

    /// <summary>Items of <see cref="BackwardBias"/>: O.</summary>
    public static int BackwardBiasItems(ConvShape c) => c.OutChannels;

    /// <summary>
    /// y[b, o, oy, ox] = bias[o] + Σ_{c,ky,kx} W[o, c, ky, kx]·x[b, c, oy·sH − pH + ky, ox·sW − pW + kx].
    /// One item: 4 output channels × 8 consecutive output columns of one output row.
    /// Items: <see cref="ForwardItems"/>.
    /// </summary>
    public static void Forward(Index1D t, WorkSplit s,
        ArrayView<float> x, ArrayView<float> w, ArrayView<float> bias, ArrayView<float> y, ConvShape c)
    {
        ForwardTiles(t, s, x, w, bias, y, c, false);
    }

    /// <summary>
    /// y = max(conv(x, W) + bias, 0): <see cref="Forward"/> with the ReLU that follows it applied as
    /// each output is stored (<see cref="Activation.Relu"/>, the very floats of the two kernels in
    /// turn). Items: <see cref="ForwardItems"/>.
    /// </summary>
    public static void ForwardRelu(Index1D t, WorkSplit s,
        ArrayView<float> x, ArrayView<float> w, ArrayView<float> bias, ArrayView<float> y, ConvShape c)
    {
        ForwardTiles(t, s, x, w, bias, y, c, true);
    }

    private static void ForwardTiles(Index1D t, WorkSplit s,
        ArrayView<float> x, ArrayView<float> w, ArrayView<float> bias, ArrayView<float> y, ConvShape c, bool relu)
    {
        int runs = (c.OutW + 7) / 8;
        int groups = (c.OutChannels + 3) / 4;
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int item = s.Item(t, j);
            if (item >= s.Count) return;
            int run = item % runs;
            int rest = item / runs;
            int oy = rest % c.OutH;
            rest /= c.OutH;
            ForwardTile(x, w, bias, y, c, relu, rest / groups, (rest % groups) * 4, oy, run * 8);
        }
    }

    /// <summary>
    /// dX[b, c, iy, ix] = Σ dY[b, o, oy, ox]·W[o, c, ky, kx] over every o and every tap with
    /// iy = oy·sH − pH + ky, ix = ox·sW − pW + kx (a gather: each input pixel collects from the
    /// outputs it fed). One item: 4 input channels × 8 input columns of one row that share their
    /// residue modulo StrideW (consecutive columns when the stride is 1), so that the 8 columns
    /// meet the same taps at 8 consecutive output columns. dX is overwritten.
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
                run / perResidue, (run % perResidue) * 8);
        }
    }

    /// <summary>
    /// dW[o, c, ky, kx] = beta·dW[o, c, ky, kx] + Σ_{b,oy,ox} dY[b, o, oy, ox]·x[b, c, oy·sH − pH + ky, ox·sW − pW + kx];
    /// beta 0 overwrites, 1 accumulates. One item: 8 output channels × 4 consecutive taps of the
    /// flattened (c, ky, kx) axis, so even a 1-channel 5×5 kernel wastes only 3 of 28 tap slots.
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
            BackwardWeightsTile(dy, x, dw, c, beta, (item / tapGroups) * 8, (item % tapGroups) * 4);
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
            // Four partial sums: independent additions instead of one long dependency chain.
            float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
            for (int b = 0; b < c.Batch; b++)
            {
                int plane = (b * c.OutChannels + o) * pixels;
                int p = 0;
                for (; p + 3 < pixels; p += 4)
                {
                    s0 += dy[plane + p];
                    s1 += dy[plane + p + 1];
                    s2 += dy[plane + p + 2];
                    s3 += dy[plane + p + 3];
                }
                for (; p < pixels; p++)
                    s0 += dy[plane + p];
            }
            StoreScaled(db, o, beta, (s0 + s1) + (s2 + s3));
        }
    }

    private static int RunsPerResidue(ConvShape c) => ((c.Width + c.StrideW - 1) / c.StrideW + 7) / 8;

    /// <summary>
    /// The 4 output channels from o0 × the 8 output columns from ox0 of output row oy. Output
    /// column p reads input column left + p·sW + kx, so stepping kx by the stride moves every
    /// column onto its right neighbour's input: walking the taps of one residue of kx modulo the
    /// stride, the 8 inputs slide like a window and each step loads one new value (plus 4 weights)
    /// for 32 multiply-adds.
    /// </summary>
    private static void ForwardTile(ArrayView<float> x, ArrayView<float> w, ArrayView<float> bias,
        ArrayView<float> y, ConvShape c, bool relu, int b, int o0, int oy, int ox0)
    {
        int taps = c.InChannels * c.KernelH * c.KernelW;
        int last = c.OutChannels - 1;
        int w0 = o0 * taps, w1 = Math.Min(o0 + 1, last) * taps;
        int w2 = Math.Min(o0 + 2, last) * taps, w3 = Math.Min(o0 + 3, last) * taps;
        int sW = c.StrideW, width = c.Width;
        int left = ox0 * sW - c.PadW;
        int top = oy * c.StrideH - c.PadH;
        int residues = Math.Min(sW, c.KernelW);

        float a00 = 0, a01 = 0, a02 = 0, a03 = 0, a04 = 0, a05 = 0, a06 = 0, a07 = 0;
        float a10 = 0, a11 = 0, a12 = 0, a13 = 0, a14 = 0, a15 = 0, a16 = 0, a17 = 0;
        float a20 = 0, a21 = 0, a22 = 0, a23 = 0, a24 = 0, a25 = 0, a26 = 0, a27 = 0;
        float a30 = 0, a31 = 0, a32 = 0, a33 = 0, a34 = 0, a35 = 0, a36 = 0, a37 = 0;
        for (int ch = 0; ch < c.InChannels; ch++)
        {
            int plane = (b * c.InChannels + ch) * c.Height;
            int wc = ch * c.KernelH * c.KernelW;
            for (int ky = 0; ky < c.KernelH; ky++)
            {
                int iy = top + ky;
                if (iy < 0 || iy >= c.Height) continue;
                int row = (plane + iy) * width;
                int wr = wc + ky * c.KernelW;
                for (int r = 0; r < residues; r++)
                {
                    // x1..x7 hold columns 0..6 at kx = r; each step shifts them down and loads column 7.
                    int at = left + r;
                    float x0 = 0f;
                    float x1 = LoadOrZero(x, row, at, width), x2 = LoadOrZero(x, row, at + sW, width);
                    float x3 = LoadOrZero(x, row, at + 2 * sW, width), x4 = LoadOrZero(x, row, at + 3 * sW, width);
                    float x5 = LoadOrZero(x, row, at + 4 * sW, width), x6 = LoadOrZero(x, row, at + 5 * sW, width);
                    float x7 = LoadOrZero(x, row, at + 6 * sW, width);
                    for (int kx = r; kx < c.KernelW; kx += sW)
                    {
                        x0 = x1; x1 = x2; x2 = x3; x3 = x4; x4 = x5; x5 = x6; x6 = x7;
                        x7 = LoadOrZero(x, row, left + 7 * sW + kx, width);
                        int k = wr + kx;
                        float v0 = w[w0 + k], v1 = w[w1 + k], v2 = w[w2 + k], v3 = w[w3 + k];
                        a00 += v0 * x0; a01 += v0 * x1; a02 += v0 * x2; a03 += v0 * x3; a04 += v0 * x4; a05 += v0 * x5; a06 += v0 * x6; a07 += v0 * x7;
                        a10 += v1 * x0; a11 += v1 * x1; a12 += v1 * x2; a13 += v1 * x3; a14 += v1 * x4; a15 += v1 * x5; a16 += v1 * x6; a17 += v1 * x7;
                        a20 += v2 * x0; a21 += v2 * x1; a22 += v2 * x2; a23 += v2 * x3; a24 += v2 * x4; a25 += v2 * x5; a26 += v2 * x6; a27 += v2 * x7;
                        a30 += v3 * x0; a31 += v3 * x1; a32 += v3 * x2; a33 += v3 * x3; a34 += v3 * x4; a35 += v3 * x5; a36 += v3 * x6; a37 += v3 * x7;
                    }
                }
            }
        }

        int n = c.OutW - ox0;
        StoreForwardRow(y, bias, c, relu, b, o0, oy, ox0, n, a00, a01, a02, a03, a04, a05, a06, a07);
        StoreForwardRow(y, bias, c, relu, b, o0 + 1, oy, ox0, n, a10, a11, a12, a13, a14, a15, a16, a17);
        StoreForwardRow(y, bias, c, relu, b, o0 + 2, oy, ox0, n, a20, a21, a22, a23, a24, a25, a26, a27);
        StoreForwardRow(y, bias, c, relu, b, o0 + 3, oy, ox0, n, a30, a31, a32, a33, a34, a35, a36, a37);
    }

    private static void StoreForwardRow(ArrayView<float> y, ArrayView<float> bias, ConvShape c, bool relu,
        int b, int o, int oy, int ox0, int n,
        float v0, float v1, float v2, float v3, float v4, float v5, float v6, float v7)
    {
        if (o >= c.OutChannels) return;
        float bo = bias[o];
        int at = ((b * c.OutChannels + o) * c.OutH + oy) * c.OutW + ox0;
        if (relu)
            Store8(y, at, 1, n, Activation.Relu(v0 + bo), Activation.Relu(v1 + bo), Activation.Relu(v2 + bo), Activation.Relu(v3 + bo),
                Activation.Relu(v4 + bo), Activation.Relu(v5 + bo), Activation.Relu(v6 + bo), Activation.Relu(v7 + bo));
        else
            Store8(y, at, 1, n, v0 + bo, v1 + bo, v2 + bo, v3 + bo, v4 + bo, v5 + bo, v6 + bo, v7 + bo);
    }

    /// <summary>
    /// The 4 channels from c0 × the 8 input columns residue + (k0 + p)·StrideW of row iy. Column ix
    /// meets tap kx at output column (ix + PadW − kx)/StrideW when that divides evenly: only taps
    /// kx ≡ residue + PadW (mod StrideW) do, for them the 8 columns land on 8 consecutive output
    /// columns, and the next such tap moves all of them one output column left — a sliding window
    /// that loads one dY value (plus 4 weights) per 32 multiply-adds.
    /// </summary>
    private static void BackwardInputTile(ArrayView<float> dy, ArrayView<float> w, ArrayView<float> dx,
        ConvShape c, int b, int c0, int iy, int residue, int k0)
    {
        int sW = c.StrideW;
        int columns = residue < c.Width ? (c.Width - residue + sW - 1) / sW : 0;
        if (k0 >= columns) return;

        int kernelArea = c.KernelH * c.KernelW;
        int taps = c.InChannels * kernelArea;
        int lastC = c.InChannels - 1;
        int w0 = c0 * kernelArea, w1 = Math.Min(c0 + 1, lastC) * kernelArea;
        int w2 = Math.Min(c0 + 2, lastC) * kernelArea, w3 = Math.Min(c0 + 3, lastC) * kernelArea;
        int outPixels = c.OutH * c.OutW, outW = c.OutW;
        int kyFirst = (iy + c.PadH) % c.StrideH;
        int kxFirst = (residue + c.PadW) % sW;
        // Output column of column k0 at tap kxFirst (exact: the numerator is a multiple of the stride).
        int mFirst = (residue + c.PadW - kxFirst) / sW + k0;

        float a00 = 0, a01 = 0, a02 = 0, a03 = 0, a04 = 0, a05 = 0, a06 = 0, a07 = 0;
        float a10 = 0, a11 = 0, a12 = 0, a13 = 0, a14 = 0, a15 = 0, a16 = 0, a17 = 0;
        float a20 = 0, a21 = 0, a22 = 0, a23 = 0, a24 = 0, a25 = 0, a26 = 0, a27 = 0;
        float a30 = 0, a31 = 0, a32 = 0, a33 = 0, a34 = 0, a35 = 0, a36 = 0, a37 = 0;
        for (int o = 0; o < c.OutChannels; o++)
        {
            int plane = (b * c.OutChannels + o) * outPixels;
            int wo = o * taps;
            for (int ky = kyFirst; ky < c.KernelH; ky += c.StrideH)
            {
                int oy = (iy + c.PadH - ky) / c.StrideH;
                if (oy < 0) break;          // oy only falls as ky grows
                if (oy >= c.OutH) continue;
                int row = plane + oy * outW;
                int wr = wo + ky * c.KernelW;
                // d0..d6 hold output columns m+1..m+7 of the first tap; each step shifts them up and loads column m.
                int m = mFirst;
                float d0 = LoadOrZero(dy, row, m + 1, outW), d1 = LoadOrZero(dy, row, m + 2, outW);
                float d2 = LoadOrZero(dy, row, m + 3, outW), d3 = LoadOrZero(dy, row, m + 4, outW);
                float d4 = LoadOrZero(dy, row, m + 5, outW), d5 = LoadOrZero(dy, row, m + 6, outW);
                float d6 = LoadOrZero(dy, row, m + 7, outW), d7 = 0f;
                for (int kx = kxFirst; kx < c.KernelW && m + 7 >= 0; kx += sW, m--)
                {
                    d7 = d6; d6 = d5; d5 = d4; d4 = d3; d3 = d2; d2 = d1; d1 = d0;
                    d0 = LoadOrZero(dy, row, m, outW);
                    int k = wr + kx;
                    float v0 = w[w0 + k], v1 = w[w1 + k], v2 = w[w2 + k], v3 = w[w3 + k];
                    a00 += v0 * d0; a01 += v0 * d1; a02 += v0 * d2; a03 += v0 * d3; a04 += v0 * d4; a05 += v0 * d5; a06 += v0 * d6; a07 += v0 * d7;
                    a10 += v1 * d0; a11 += v1 * d1; a12 += v1 * d2; a13 += v1 * d3; a14 += v1 * d4; a15 += v1 * d5; a16 += v1 * d6; a17 += v1 * d7;
                    a20 += v2 * d0; a21 += v2 * d1; a22 += v2 * d2; a23 += v2 * d3; a24 += v2 * d4; a25 += v2 * d5; a26 += v2 * d6; a27 += v2 * d7;
                    a30 += v3 * d0; a31 += v3 * d1; a32 += v3 * d2; a33 += v3 * d3; a34 += v3 * d4; a35 += v3 * d5; a36 += v3 * d6; a37 += v3 * d7;
                }
            }
        }

        int n = columns - k0;
        int at = ((b * c.InChannels + c0) * c.Height + iy) * c.Width + residue + k0 * sW;
        int planeSize = c.Height * c.Width;
        Store8(dx, at, sW, n, a00, a01, a02, a03, a04, a05, a06, a07);
        if (c0 + 1 <= lastC) Store8(dx, at + planeSize, sW, n, a10, a11, a12, a13, a14, a15, a16, a17);
        if (c0 + 2 <= lastC) Store8(dx, at + 2 * planeSize, sW, n, a20, a21, a22, a23, a24, a25, a26, a27);
        if (c0 + 3 <= lastC) Store8(dx, at + 3 * planeSize, sW, n, a30, a31, a32, a33, a34, a35, a36, a37);
    }

    /// <summary>
    /// The 8 output channels from o0 × the 4 taps t0..t0+3 of the flattened (c, ky, kx) weight axis.
    /// A tap reads x at a fixed offset from the output pixel's anchor (oy·sH, ox·sW), so the inner
    /// loop runs over output pixels with 8 dY and 4 x loads per 32 multiply-adds.
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
        int d4 = Math.Min(o0 + 4, lastO) * outPixels, d5 = Math.Min(o0 + 5, lastO) * outPixels;
        int d6 = Math.Min(o0 + 6, lastO) * outPixels, d7 = Math.Min(o0 + 7, lastO) * outPixels;

        int tap0 = t0, tap1 = Math.Min(t0 + 1, lastT), tap2 = Math.Min(t0 + 2, lastT), tap3 = Math.Min(t0 + 3, lastT);
        // Row and column of each tap relative to the anchor, and its offset in x from the anchor.
        int ky0 = tap0 % kernelArea / c.KernelW - c.PadH, kx0 = tap0 % c.KernelW - c.PadW;
        int ky1 = tap1 % kernelArea / c.KernelW - c.PadH, kx1 = tap1 % c.KernelW - c.PadW;
        int ky2 = tap2 % kernelArea / c.KernelW - c.PadH, kx2 = tap2 % c.KernelW - c.PadW;
        int ky3 = tap3 % kernelArea / c.KernelW - c.PadH, kx3 = tap3 % c.KernelW - c.PadW;
        int height = c.Height, width = c.Width, plane = height * width;
        int x0 = tap0 / kernelArea * plane + ky0 * width + kx0;
        int x1 = tap1 / kernelArea * plane + ky1 * width + kx1;
        int x2 = tap2 / kernelArea * plane + ky2 * width + kx2;
        int x3 = tap3 / kernelArea * plane + ky3 * width + kx3;

        float a00 = 0, a01 = 0, a02 = 0, a03 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0;
        float a20 = 0, a21 = 0, a22 = 0, a23 = 0, a30 = 0, a31 = 0, a32 = 0, a33 = 0;
        float a40 = 0, a41 = 0, a42 = 0, a43 = 0, a50 = 0, a51 = 0, a52 = 0, a53 = 0;
        float a60 = 0, a61 = 0, a62 = 0, a63 = 0, a70 = 0, a71 = 0, a72 = 0, a73 = 0;
        for (int b = 0; b < c.Batch; b++)
        {
            int xImage = b * c.InChannels * plane;
            int dyImage = b * c.OutChannels * outPixels;
            for (int oy = 0; oy < c.OutH; oy++)
            {
                int anchorY = oy * c.StrideH;
                // A tap whose input row is in the padding reads zero along the whole output row.
                bool r0 = (uint)(anchorY + ky0) < (uint)height, r1 = (uint)(anchorY + ky1) < (uint)height;
                bool r2 = (uint)(anchorY + ky2) < (uint)height, r3 = (uint)(anchorY + ky3) < (uint)height;
                int xRow = xImage + anchorY * width;
                int dyRow = dyImage + oy * c.OutW;
                for (int ox = 0; ox < c.OutW; ox++)
                {
                    int ix = ox * c.StrideW, xi = xRow + ix, di = dyRow + ox;
                    float u0 = r0 && (uint)(ix + kx0) < (uint)width ? x[xi + x0] : 0f;
                    float u1 = r1 && (uint)(ix + kx1) < (uint)width ? x[xi + x1] : 0f;
                    float u2 = r2 && (uint)(ix + kx2) < (uint)width ? x[xi + x2] : 0f;
                    float u3 = r3 && (uint)(ix + kx3) < (uint)width ? x[xi + x3] : 0f;
                    float g0 = dy[di + d0], g1 = dy[di + d1], g2 = dy[di + d2], g3 = dy[di + d3];
                    float g4 = dy[di + d4], g5 = dy[di + d5], g6 = dy[di + d6], g7 = dy[di + d7];
                    a00 += g0 * u0; a01 += g0 * u1; a02 += g0 * u2; a03 += g0 * u3;
                    a10 += g1 * u0; a11 += g1 * u1; a12 += g1 * u2; a13 += g1 * u3;
                    a20 += g2 * u0; a21 += g2 * u1; a22 += g2 * u2; a23 += g2 * u3;
                    a30 += g3 * u0; a31 += g3 * u1; a32 += g3 * u2; a33 += g3 * u3;
                    a40 += g4 * u0; a41 += g4 * u1; a42 += g4 * u2; a43 += g4 * u3;
                    a50 += g5 * u0; a51 += g5 * u1; a52 += g5 * u2; a53 += g5 * u3;
                    a60 += g6 * u0; a61 += g6 * u1; a62 += g6 * u2; a63 += g6 * u3;
                    a70 += g7 * u0; a71 += g7 * u1; a72 += g7 * u2; a73 += g7 * u3;
                }
            }
        }

        StoreWeightsRow(dw, c, beta, o0, t0, taps, a00, a01, a02, a03);
        StoreWeightsRow(dw, c, beta, o0 + 1, t0, taps, a10, a11, a12, a13);
        StoreWeightsRow(dw, c, beta, o0 + 2, t0, taps, a20, a21, a22, a23);
        StoreWeightsRow(dw, c, beta, o0 + 3, t0, taps, a30, a31, a32, a33);
        StoreWeightsRow(dw, c, beta, o0 + 4, t0, taps, a40, a41, a42, a43);
        StoreWeightsRow(dw, c, beta, o0 + 5, t0, taps, a50, a51, a52, a53);
        StoreWeightsRow(dw, c, beta, o0 + 6, t0, taps, a60, a61, a62, a63);
        StoreWeightsRow(dw, c, beta, o0 + 7, t0, taps, a70, a71, a72, a73);
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

    /// <summary>a[at + p·step] = v_p for the first n of 8 values (the rest of the tile is past the edge).</summary>
    private static void Store8(ArrayView<float> a, int at, int step, int n,
        float v0, float v1, float v2, float v3, float v4, float v5, float v6, float v7)
    {
        a[at] = v0;
        if (n > 1) a[at + step] = v1;
        if (n > 2) a[at + 2 * step] = v2;
        if (n > 3) a[at + 3 * step] = v3;
        if (n > 4) a[at + 4 * step] = v4;
        if (n > 5) a[at + 5 * step] = v5;
        if (n > 6) a[at + 6 * step] = v6;
        if (n > 7) a[at + 7 * step] = v7;
    }

    // beta is exactly 0 or 1; 0 must overwrite even NaN garbage left in a fresh buffer.
    private static void StoreScaled(ArrayView<float> a, int at, float beta, float v) =>
        a[at] = beta == 0f ? v : beta * a[at] + v;

    /// <summary>a[row + i] when 0 ≤ i &lt; limit, else 0 (a tap in the zero padding or past the edge).</summary>
    private static float LoadOrZero(ArrayView<float> a, int row, int i, int limit) =>
        (uint)i < (uint)limit ? a[row + i] : 0f;
}
