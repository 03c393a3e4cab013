using ILGPU;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// Assembling a minibatch on the device from a data set held there: rows picked by an index list.
/// Shapes: source [N, n], indices [B] (values in [0, N)), destination [B, n].
/// </summary>
public static class Gather
{
    /// <summary>dst[b, :] = src[indices[offset + b], :]. Items: B·n elements.</summary>
    public static void Rows(Index1D t, WorkSplit s,
        ArrayView<float> src, ArrayView<int> indices, ArrayView<float> dst, int offset, int rowLength)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int i = s.Item(t, j);
            if (i >= s.Count) return;
            int b = i / rowLength;
            dst[i] = src[indices[offset + b] * rowLength + (i - b * rowLength)];
        }
    }

    /// <summary>dst[b] = src[indices[offset + b]] for integer labels. Items: B.</summary>
    public static void Labels(Index1D t, WorkSplit s,
        ArrayView<int> src, ArrayView<int> indices, ArrayView<int> dst, int offset)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int b = s.Item(t, j);
            if (b >= s.Count) return;
            dst[b] = src[indices[offset + b]];
        }
    }
}
