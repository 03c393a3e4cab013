using ILGPU;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// y[b, c, p] = scale[c]·x[b, c, p] + shift[c] on [B, C, plane] tensors: inference-form batch
/// normalisation that could not be folded into a preceding Conv or Gemm.
/// </summary>
public static class ChannelAffine
{
    /// <summary>Items: elements.</summary>
    public static void Forward(Index1D t, WorkSplit s, ArrayView<float> x, ArrayView<float> scale, ArrayView<float> shift, ArrayView<float> y,
        int channels, int plane)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int i = s.Item(t, j);
            if (i >= s.Count) return;
            int c = (i / plane) % channels;
            y[i] = scale[c] * x[i] + shift[c];
        }
    }

    /// <summary>dX = scale[c]·dY, overwritten. Items: elements.</summary>
    public static void BackwardInput(Index1D t, WorkSplit s, ArrayView<float> dy, ArrayView<float> scale, ArrayView<float> dx, int channels, int plane)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int i = s.Item(t, j);
            if (i >= s.Count) return;
            dx[i] = scale[(i / plane) % channels] * dy[i];
        }
    }

    /// <summary>dScale[c] += Σ dY·x and dShift[c] += Σ dY over the batch and the plane. Items: C.</summary>
    public static void BackwardParameters(Index1D t, WorkSplit s, ArrayView<float> dy, ArrayView<float> x, ArrayView<float> dScale, ArrayView<float> dShift,
        int channels, int plane, int batch)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int c = s.Item(t, j);
            if (c >= s.Count) return;
            float gs = 0f, gb = 0f;
            for (int b = 0; b < batch; b++)
                for (int p = (b * channels + c) * plane; p < (b * channels + c + 1) * plane; p++)
                {
                    gs += dy[p] * x[p];
                    gb += dy[p];
                }
            dScale[c] += gs;
            dShift[c] += gb;
        }
    }
}
