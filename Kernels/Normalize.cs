using ILGPU;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// Per-channel input normalisation <c>y = (x − mean[c])·scale[c]</c>, forward and backward, as a
/// model's first layer applies it (torchvision's <c>Normalize(mean, std)</c> has scale = 1/std).
/// Shapes: x, y, dY, dX [B, C, plane] (plane = H·W; a flat input is one channel of its features);
/// mean, scale [C].
/// </summary>
/// <remarks>
/// A work item is one whole plane of one example, so the channel's two constants are read once
/// per item and the inner loop is a streaming multiply-add.
/// </remarks>
public static class Normalize
{
    /// <summary>y = (x − mean[c])·scale[c]. Items: B·C planes.</summary>
    public static void Forward(Index1D t, WorkSplit s,
        ArrayView<float> x, ArrayView<float> y, ArrayView<float> mean, ArrayView<float> scale,
        int channels, int plane)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int item = s.Item(t, j);
            if (item >= s.Count) return;
            int c = item % channels;
            float m = mean[c], k = scale[c];
            int start = item * plane;
            for (int i = start; i < start + plane; i++)
                y[i] = (x[i] - m) * k;
        }
    }

    /// <summary>dX = dY·scale[c]. Items: B·C planes.</summary>
    public static void Backward(Index1D t, WorkSplit s,
        ArrayView<float> dy, ArrayView<float> dx, ArrayView<float> scale, int channels, int plane)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int item = s.Item(t, j);
            if (item >= s.Count) return;
            float k = scale[item % channels];
            int start = item * plane;
            for (int i = start; i < start + plane; i++)
                dx[i] = dy[i] * k;
        }
    }
}
