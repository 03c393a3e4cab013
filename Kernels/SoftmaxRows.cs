using ILGPU;
using ILGPU.Algorithms;

namespace IlgpuBlindSpots.Kernels;

/// <summary>Softmax (or log-softmax when <c>log</c> is 1) of each row of n values, forward and backward, as a layer of an imported graph.</summary>
public static class SoftmaxRows
{
    /// <summary>y = softmax(x) or log softmax(x) per row. Items: rows.</summary>
    public static void Forward(Index1D t, WorkSplit s, ArrayView<float> x, ArrayView<float> y, int n, int log)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int r = s.Item(t, j);
            if (r >= s.Count) return;
            int row = r * n;
            float max = x[row];
            for (int k = 1; k < n; k++) max = XMath.Max(max, x[row + k]);
            float sum = 0f;
            for (int k = 0; k < n; k++) sum += XMath.Exp(x[row + k] - max);
            float logSum = XMath.Log(sum);
            for (int k = 0; k < n; k++)
                y[row + k] = log != 0 ? x[row + k] - max - logSum : XMath.Exp(x[row + k] - max) / sum;
        }
    }

    /// <summary>dX = y⊙(dY − Σ dY⊙y) for softmax, dY − softmax·Σ dY for log-softmax; overwritten. Items: rows.</summary>
    public static void Backward(Index1D t, WorkSplit s, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, int n, int log)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int r = s.Item(t, j);
            if (r >= s.Count) return;
            int row = r * n;
            float dot = 0f;
            for (int k = 0; k < n; k++) dot += log != 0 ? dy[row + k] : dy[row + k] * y[row + k];
            for (int k = 0; k < n; k++)
                dx[row + k] = log != 0 ? dy[row + k] - XMath.Exp(y[row + k]) * dot : y[row + k] * (dy[row + k] - dot);
        }
    }
}
