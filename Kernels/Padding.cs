using ILGPU;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// Constant padding of the last two axes: x [P, H, W] → y [P, H + top + bottom, W + left + right],
/// the border filled with <c>value</c>. Backward crops the gradient back to [P, H, W].
/// </summary>
public static class Padding
{
    /// <summary>Items: elements of y.</summary>
    public static void Forward(Index1D t, WorkSplit s, ArrayView<float> x, ArrayView<float> y,
        int height, int width, int top, int left, int outH, int outW, float value)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int i = s.Item(t, j);
            if (i >= s.Count) return;
            int ox = i % outW, rest = i / outW, oy = rest % outH, plane = rest / outH;
            int iy = oy - top, ix = ox - left;
            y[i] = iy >= 0 && iy < height && ix >= 0 && ix < width ? x[(plane * height + iy) * width + ix] : value;
        }
    }

    /// <summary>dX[p, iy, ix] = dY[p, iy + top, ix + left], overwritten. Items: elements of x.</summary>
    public static void Backward(Index1D t, WorkSplit s, ArrayView<float> dy, ArrayView<float> dx,
        int height, int width, int top, int left, int outH, int outW)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int i = s.Item(t, j);
            if (i >= s.Count) return;
            int ix = i % width, rest = i / width, iy = rest % height, plane = rest / height;
            dx[i] = dy[(plane * outH + iy + top) * outW + ix + left];
        }
    }
}
