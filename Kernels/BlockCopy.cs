using ILGPU;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// Copies rows of a strided block: dst[r·dstStride + dstOffset + c] = src[r·srcStride + srcOffset + c]
/// for c &lt; rowLength. Concatenation along an axis writes each input into its slice of the output
/// rows this way, and its backward reads the slices back.
/// </summary>
public static class BlockCopy
{
    /// <summary>Items: rows·rowLength.</summary>
    public static void Copy(Index1D t, WorkSplit s, ArrayView<float> src, ArrayView<float> dst,
        int rowLength, int srcStride, int srcOffset, int dstStride, int dstOffset)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int i = s.Item(t, j);
            if (i >= s.Count) return;
            int r = i / rowLength, c = i - r * rowLength;
            dst[r * dstStride + dstOffset + c] = src[r * srcStride + srcOffset + c];
        }
    }

    /// <summary>y[i] += x[i]: the gradients of a value used by several nodes summed. Items: elements.</summary>
    public static void Accumulate(Index1D t, WorkSplit s, ArrayView<float> x, ArrayView<float> y)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int i = s.Item(t, j);
            if (i >= s.Count) return;
            y[i] += x[i];
        }
    }
}
