using ILGPU;
using ILGPU.Algorithms;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// Max and average pooling over planes p = b·C + c with the general geometry of <see cref="Window2d"/>
/// (asymmetric padding, dilation, ceil mode), ONNX semantics: padded cells never win a max; an
/// average divides by the cells inside the image, or with <c>countIncludePad</c> by the cells inside
/// the padded image (cells past the padded edge, which ceil mode can reach, never count).
/// Forward items: one output cell each (P·OH·OW). Backward items: one plane each (P), which
/// scatters its own outputs into its own input plane: no atomics, deterministic.
/// </summary>
public static class WindowPooling
{
    /// <summary>y = max over the window's in-image cells; argMax its flat index into x (−1 for an empty window, y = 0). Items: P·OH·OW.</summary>
    public static void MaxForward(Index1D t, WorkSplit s, ArrayView<float> x, ArrayView<float> y, ArrayView<int> argMax, Window2d w)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int item = s.Item(t, j);
            if (item >= s.Count) return;
            int ox = item % w.OutW, rest = item / w.OutW, oy = rest % w.OutH, plane = rest / w.OutH;
            float best = 0f;
            int bestAt = -1;
            for (int ky = 0; ky < w.KernelH; ky++)
            {
                int iy = oy * w.StrideH - w.PadTop + ky * w.DilationH;
                if (iy < 0 || iy >= w.Height) continue;
                for (int kx = 0; kx < w.KernelW; kx++)
                {
                    int ix = ox * w.StrideW - w.PadLeft + kx * w.DilationW;
                    if (ix < 0 || ix >= w.Width) continue;
                    int at = (plane * w.Height + iy) * w.Width + ix;
                    float v = x[at];
                    if (bestAt < 0 || v > best || (XMath.IsNaN(v) && !XMath.IsNaN(best)))
                    {
                        best = v;
                        bestAt = at;
                    }
                }
            }
            y[item] = best;
            argMax[item] = bestAt;
        }
    }

    /// <summary>dX[argMax[o]] += dY[o] for the outputs of each plane; dX overwritten. Items: P planes.</summary>
    public static void MaxBackward(Index1D t, WorkSplit s, ArrayView<float> dy, ArrayView<int> argMax, ArrayView<float> dx, Window2d w)
    {
        int inPlane = w.Height * w.Width, outPlane = w.OutH * w.OutW;
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int plane = s.Item(t, j);
            if (plane >= s.Count) return;
            for (int i = 0; i < inPlane; i++) dx[plane * inPlane + i] = 0f;
            for (int o = plane * outPlane; o < (plane + 1) * outPlane; o++)
            {
                int at = argMax[o];
                if (at >= 0) dx[at] += dy[o];
            }
        }
    }

    /// <summary>y = mean of the window (see the class remarks for the divisor). Items: P·OH·OW.</summary>
    public static void AverageForward(Index1D t, WorkSplit s, ArrayView<float> x, ArrayView<float> y, Window2d w, int countIncludePad)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int item = s.Item(t, j);
            if (item >= s.Count) return;
            int ox = item % w.OutW, rest = item / w.OutW, oy = rest % w.OutH, plane = rest / w.OutH;
            float sum = 0f;
            for (int ky = 0; ky < w.KernelH; ky++)
            {
                int iy = oy * w.StrideH - w.PadTop + ky * w.DilationH;
                if (iy < 0 || iy >= w.Height) continue;
                for (int kx = 0; kx < w.KernelW; kx++)
                {
                    int ix = ox * w.StrideW - w.PadLeft + kx * w.DilationW;
                    if (ix >= 0 && ix < w.Width) sum += x[(plane * w.Height + iy) * w.Width + ix];
                }
            }
            int count = Divisor(w, oy, ox, countIncludePad);
            y[item] = count > 0 ? sum / count : 0f;
        }
    }

    /// <summary>dX[i] = Σ dY[o]/count(o) over the windows o holding input cell i; dX overwritten. Items: P planes.</summary>
    public static void AverageBackward(Index1D t, WorkSplit s, ArrayView<float> dy, ArrayView<float> dx, Window2d w, int countIncludePad)
    {
        int inPlane = w.Height * w.Width, outPlane = w.OutH * w.OutW;
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int plane = s.Item(t, j);
            if (plane >= s.Count) return;
            for (int i = 0; i < inPlane; i++) dx[plane * inPlane + i] = 0f;
            for (int oy = 0; oy < w.OutH; oy++)
                for (int ox = 0; ox < w.OutW; ox++)
                {
                    int count = Divisor(w, oy, ox, countIncludePad);
                    if (count == 0) continue;
                    float g = dy[plane * outPlane + oy * w.OutW + ox] / count;
                    for (int ky = 0; ky < w.KernelH; ky++)
                    {
                        int iy = oy * w.StrideH - w.PadTop + ky * w.DilationH;
                        if (iy < 0 || iy >= w.Height) continue;
                        for (int kx = 0; kx < w.KernelW; kx++)
                        {
                            int ix = ox * w.StrideW - w.PadLeft + kx * w.DilationW;
                            if (ix >= 0 && ix < w.Width) dx[plane * inPlane + iy * w.Width + ix] += g;
                        }
                    }
                }
        }
    }

    private static int Divisor(Window2d w, int oy, int ox, int countIncludePad)
    {
        int lowH = countIncludePad != 0 ? -w.PadTop : 0, highH = countIncludePad != 0 ? w.Height + w.PadBottom : w.Height;
        int lowW = countIncludePad != 0 ? -w.PadLeft : 0, highW = countIncludePad != 0 ? w.Width + w.PadRight : w.Width;
        int rows = 0, cols = 0;
        for (int ky = 0; ky < w.KernelH; ky++)
        {
            int iy = oy * w.StrideH - w.PadTop + ky * w.DilationH;
            if (iy >= lowH && iy < highH) rows++;
        }
        for (int kx = 0; kx < w.KernelW; kx++)
        {
            int ix = ox * w.StrideW - w.PadLeft + kx * w.DilationW;
            if (ix >= lowW && ix < highW) cols++;
        }
        return rows * cols;
    }
}
