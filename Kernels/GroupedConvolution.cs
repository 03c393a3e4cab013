using ILGPU;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// 2-D convolution with groups and dilation (ONNX Conv; depthwise when groups = channels), computed
/// directly: x [B, C, H, W], W [O, C/G, KH, KW], bias [O], y [B, O, OH, OW], geometry in
/// <see cref="Window2d"/>. Output channel o belongs to group g = o/(O/G) and reads input channels
/// g·C/G … (g+1)·C/G − 1. One item per output element (forward), input element (input gradient,
/// a gather), weight element (weight gradient) or output channel (bias gradient): no atomics.
/// The plain case (one group, no dilation, symmetric padding) runs on <see cref="Convolution"/>'s tiled kernels instead.
/// </summary>
public static class GroupedConvolution
{
    /// <summary>y[b, o, oy, ox] = bias[o] + Σ W[o, cg, ky, kx]·x[b, g·C/G + cg, iy, ix]. Items: B·O·OH·OW.</summary>
    public static void Forward(Index1D t, WorkSplit s, ArrayView<float> x, ArrayView<float> weight, ArrayView<float> bias, ArrayView<float> y,
        Window2d w, int inChannels, int outChannels, int groups)
    {
        int cg = inChannels / groups, og = outChannels / groups;
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int item = s.Item(t, j);
            if (item >= s.Count) return;
            int ox = item % w.OutW, rest = item / w.OutW, oy = rest % w.OutH;
            rest /= w.OutH;
            int o = rest % outChannels, b = rest / outChannels;
            int c0 = (o / og) * cg;
            float sum = bias[o];
            for (int c = 0; c < cg; c++)
                for (int ky = 0; ky < w.KernelH; ky++)
                {
                    int iy = oy * w.StrideH - w.PadTop + ky * w.DilationH;
                    if (iy < 0 || iy >= w.Height) continue;
                    int inRow = ((b * inChannels + c0 + c) * w.Height + iy) * w.Width;
                    int wRow = ((o * cg + c) * w.KernelH + ky) * w.KernelW;
                    for (int kx = 0; kx < w.KernelW; kx++)
                    {
                        int ix = ox * w.StrideW - w.PadLeft + kx * w.DilationW;
                        if (ix >= 0 && ix < w.Width) sum += weight[wRow + kx] * x[inRow + ix];
                    }
                }
            y[item] = sum;
        }
    }

    /// <summary>dX[b, c, iy, ix] = Σ dY[b, o, oy, ox]·W[o, c − g·C/G, ky, kx] over the taps that read it; dX overwritten. Items: B·C·H·W.</summary>
    public static void BackwardInput(Index1D t, WorkSplit s, ArrayView<float> dy, ArrayView<float> weight, ArrayView<float> dx,
        Window2d w, int inChannels, int outChannels, int groups)
    {
        int cg = inChannels / groups, og = outChannels / groups;
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int item = s.Item(t, j);
            if (item >= s.Count) return;
            int ix = item % w.Width, rest = item / w.Width, iy = rest % w.Height;
            rest /= w.Height;
            int c = rest % inChannels, b = rest / inChannels;
            int g = c / cg, cIn = c - g * cg;
            float sum = 0f;
            for (int ky = 0; ky < w.KernelH; ky++)
            {
                int ny = iy + w.PadTop - ky * w.DilationH;
                if (ny < 0 || ny % w.StrideH != 0) continue;
                int oy = ny / w.StrideH;
                if (oy >= w.OutH) continue;
                for (int kx = 0; kx < w.KernelW; kx++)
                {
                    int nx = ix + w.PadLeft - kx * w.DilationW;
                    if (nx < 0 || nx % w.StrideW != 0) continue;
                    int ox = nx / w.StrideW;
                    if (ox >= w.OutW) continue;
                    for (int oi = 0; oi < og; oi++)
                    {
                        int o = g * og + oi;
                        sum += dy[((b * outChannels + o) * w.OutH + oy) * w.OutW + ox] * weight[((o * cg + cIn) * w.KernelH + ky) * w.KernelW + kx];
                    }
                }
            }
            dx[item] = sum;
        }
    }

    /// <summary>dW[o, cg, ky, kx] += scale·Σ_{b, oy, ox} dY[b, o, oy, ox]·x[b, g·C/G + cg, iy, ix]. Items: O·(C/G)·KH·KW.</summary>
    public static void BackwardWeights(Index1D t, WorkSplit s, ArrayView<float> dy, ArrayView<float> x, ArrayView<float> dw,
        Window2d w, int inChannels, int outChannels, int groups, int batch, float scale)
    {
        int cg = inChannels / groups, og = outChannels / groups;
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int item = s.Item(t, j);
            if (item >= s.Count) return;
            int kx = item % w.KernelW, rest = item / w.KernelW, ky = rest % w.KernelH;
            rest /= w.KernelH;
            int cIn = rest % cg, o = rest / cg;
            int c = (o / og) * cg + cIn;
            float sum = 0f;
            for (int b = 0; b < batch; b++)
                for (int oy = 0; oy < w.OutH; oy++)
                {
                    int iy = oy * w.StrideH - w.PadTop + ky * w.DilationH;
                    if (iy < 0 || iy >= w.Height) continue;
                    int outRow = ((b * outChannels + o) * w.OutH + oy) * w.OutW;
                    int inRow = ((b * inChannels + c) * w.Height + iy) * w.Width;
                    for (int ox = 0; ox < w.OutW; ox++)
                    {
                        int ix = ox * w.StrideW - w.PadLeft + kx * w.DilationW;
                        if (ix >= 0 && ix < w.Width) sum += dy[outRow + ox] * x[inRow + ix];
                    }
                }
            dw[item] += scale * sum;
        }
    }

    /// <summary>db[o] += scale·Σ_{b, oy, ox} dY[b, o, oy, ox]. Items: O.</summary>
    public static void BackwardBias(Index1D t, WorkSplit s, ArrayView<float> dy, ArrayView<float> db, int outChannels, int plane, int batch, float scale)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int o = s.Item(t, j);
            if (o >= s.Count) return;
            float sum = 0f;
            for (int b = 0; b < batch; b++)
                for (int p = 0; p < plane; p++) sum += dy[(b * outChannels + o) * plane + p];
            db[o] += scale * sum;
        }
    }
}
