using ILGPU;
using ILGPU.Algorithms;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// ONNX LayerNormalization over the last <c>length</c> values of each row: x̂ = (x − mean)/√(var + ε),
/// y = x̂·scale + bias, scale and bias of <c>length</c> values (convnext's LayerNorm over channels).
/// The forward pass keeps each row's mean and 1/√(var + ε) in <c>stats</c> [rows, 2] for the backward pass.
/// </summary>
public static class LayerNormalization
{
    /// <summary>y and stats from x. Items: rows.</summary>
    public static void Forward(Index1D t, WorkSplit s, ArrayView<float> x, ArrayView<float> scale, ArrayView<float> bias,
        ArrayView<float> y, ArrayView<float> stats, int length, float epsilon)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int row = s.Item(t, j);
            if (row >= s.Count) return;
            int start = row * length;
            float sum = 0f;
            for (int k = 0; k < length; k++) sum += x[start + k];
            float mean = sum / length, squares = 0f;
            for (int k = 0; k < length; k++)
            {
                float d = x[start + k] - mean;
                squares += d * d;
            }
            float inverse = 1f / XMath.Sqrt(squares / length + epsilon);
            for (int k = 0; k < length; k++) y[start + k] = (x[start + k] - mean) * inverse * scale[k] + bias[k];
            stats[2 * row] = mean;
            stats[2 * row + 1] = inverse;
        }
    }

    /// <summary>dX = (1/σ)(g − mean(g) − x̂·mean(g·x̂)) with g = dY·scale, overwritten. Items: rows.</summary>
    public static void BackwardInput(Index1D t, WorkSplit s, ArrayView<float> dy, ArrayView<float> x, ArrayView<float> scale,
        ArrayView<float> stats, ArrayView<float> dx, int length)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int row = s.Item(t, j);
            if (row >= s.Count) return;
            int start = row * length;
            float mean = stats[2 * row], inverse = stats[2 * row + 1], meanG = 0f, meanGx = 0f;
            for (int k = 0; k < length; k++)
            {
                float g = dy[start + k] * scale[k];
                meanG += g;
                meanGx += g * (x[start + k] - mean) * inverse;
            }
            meanG /= length;
            meanGx /= length;
            for (int k = 0; k < length; k++)
                dx[start + k] = inverse * (dy[start + k] * scale[k] - meanG - (x[start + k] - mean) * inverse * meanGx);
        }
    }

    /// <summary>dScale[k] += Σ_rows dY·x̂, dBias[k] += Σ_rows dY. Items: the <c>length</c> columns.</summary>
    public static void BackwardParameters(Index1D t, WorkSplit s, ArrayView<float> dy, ArrayView<float> x, ArrayView<float> stats,
        ArrayView<float> dScale, ArrayView<float> dBias, int length, int rows)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int k = s.Item(t, j);
            if (k >= s.Count) return;
            float gs = 0f, gb = 0f;
            for (int row = 0; row < rows; row++)
            {
                int i = row * length + k;
                gs += dy[i] * (x[i] - stats[2 * row]) * stats[2 * row + 1];
                gb += dy[i];
            }
            dScale[k] += gs;
            dBias[k] += gb;
        }
    }
}
