using ILGPU;
using ILGPU.Algorithms;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// 2-D max-pooling with PyTorch MaxPool2d semantics (floor mode), forward and backward, over every
/// plane of x [B, C, H, W] → y [B, C, OH, OW] with <c>OH = (H + 2·padH − kernelH)/strideH + 1</c>
/// (likewise the width). Windows may overlap (3×3 stride 2) or not (2×2 stride 2).
/// </summary>
/// <remarks>
/// Padded cells count as −∞, so padH ≤ kernelH/2 and padW ≤ kernelW/2 (PyTorch's own limit) keep
/// a real cell in every window. The forward pass records, for each output, the flat index into x of
/// the cell it took: the first maximum in row-major window order, or the first NaN, which
/// propagates. The backward pass gathers: each input cell sums the gradients of the windows that
/// chose it, so overlapping windows need no atomics and the result is deterministic.
/// </remarks>
public static class Pooling
{
    /// <summary>
    /// y[p, oy, ox] = max of x[p, oy·sH − pH + ky, ox·sW − pW + kx] over the window's cells inside
    /// the image, for every plane p = b·C + c; argMax gets the flat index into x of that cell.
    /// One item: one output row. Items: B·C·OH.
    /// </summary>
    public static void Forward(Index1D t, WorkSplit s,
        ArrayView<float> x, ArrayView<float> y, ArrayView<int> argMax,
        int height, int width, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW)
    {
        int outH = (height + 2 * padH - kernelH) / strideH + 1;
        int outW = (width + 2 * padW - kernelW) / strideW + 1;
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int item = s.Item(t, j);
            if (item >= s.Count) return;
            int oy = item % outH;
            int plane = item / outH;
            int top = oy * strideH - padH;
            int y0 = Math.Max(top, 0), y1 = Math.Min(top + kernelH, height);
            int outRow = item * outW;
            for (int ox = 0; ox < outW; ox++)
            {
                int left = ox * strideW - padW;
                int x0 = Math.Max(left, 0), x1 = Math.Min(left + kernelW, width);
                float best = float.NegativeInfinity;
                int bestAt = -1;
                for (int iy = y0; iy < y1; iy++)
                {
                    int row = (plane * height + iy) * width;
                    for (int ix = x0; ix < x1; ix++)
                    {
                        float v = x[row + ix];
                        if (bestAt < 0 || v > best || (XMath.IsNaN(v) && !XMath.IsNaN(best)))
                        {
                            best = v;
                            bestAt = row + ix;
                        }
                    }
                }
                y[outRow + ox] = best;
                argMax[outRow + ox] = bestAt;
            }
        }
    }

    /// <summary>
    /// dX[i] = Σ dY[o] over the output cells o whose window contains input cell i and whose argMax
    /// is i; dX is overwritten. One item: one input row. Items: B·C·H.
    /// </summary>
    public static void Backward(Index1D t, WorkSplit s,
        ArrayView<float> dy, ArrayView<int> argMax, ArrayView<float> dx,
        int height, int width, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW)
    {
        int outH = (height + 2 * padH - kernelH) / strideH + 1;
        int outW = (width + 2 * padW - kernelW) / strideW + 1;
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int item = s.Item(t, j);
            if (item >= s.Count) return;
            int iy = item % height;
            int plane = item / height;
            // Windows oy with oy·sH − pH ≤ iy ≤ oy·sH − pH + kH − 1, clipped to the output.
            int oyLo = Math.Max(FloorDiv(iy + padH - kernelH + strideH, strideH), 0);
            int oyHi = Math.Min((iy + padH) / strideH, outH - 1);
            // The same bounds for the columns, ⌊(ix + q)/sW⌋, stepped along the row without dividing.
            int lo = FloorDiv(padW - kernelW + strideW, strideW), loRest = padW - kernelW + strideW - lo * strideW;
            int hi = padW / strideW, hiRest = padW - hi * strideW;
            int row = item * width;
            for (int ix = 0; ix < width; ix++)
            {
                int at = row + ix;
                int oxLo = Math.Max(lo, 0), oxHi = Math.Min(hi, outW - 1);
                float sum = 0f;
                for (int oy = oyLo; oy <= oyHi; oy++)
                {
                    int outRow = (plane * outH + oy) * outW;
                    for (int ox = oxLo; ox <= oxHi; ox++)
                        if (argMax[outRow + ox] == at)
                            sum += dy[outRow + ox];
                }
                dx[at] = sum;
                if (++loRest == strideW) { loRest = 0; lo++; }
                if (++hiRest == strideW) { hiRest = 0; hi++; }
            }
        }
    }

    /// <summary>⌊a/b⌋ for b &gt; 0 and any sign of a.</summary>
    private static int FloorDiv(int a, int b) => a >= 0 ? a / b : -((-a + b - 1) / b);
}
