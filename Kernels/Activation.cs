using ILGPU;
using ILGPU.Algorithms;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// Element-wise activations, forward and backward, over tensors of any shape seen as flat vectors
/// of <c>WorkSplit.Count</c> elements. Each work item is one element; the split hands each CPU
/// thread a contiguous chunk and each GPU thread a coalesced stride.
/// </summary>
/// <remarks>
/// Every kernel reads an element before it writes the same index and touches no other index, so it
/// is safe in place: forward may be launched with y the same view as x, backward with dX the same
/// view as dY. The backward passes take the forward output y where the derivative is a function of
/// it (sigmoid, tanh), so a layer that runs in place need not keep its input.
/// </remarks>
public static class Activation
{
    /// <summary>y = max(x, 0); NaN stays NaN so a diverging run shows. Items: elements.</summary>
    public static void ReluForward(Index1D t, WorkSplit s, ArrayView<float> x, ArrayView<float> y)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int i = s.Item(t, j);
            if (i >= s.Count) return;
            y[i] = Relu(x[i]);
        }
    }

    /// <summary>
    /// max(v, 0) with NaN kept: the one ReLU every kernel applies, this layer's and the products'
    /// that apply it as they store (<see cref="Dense.ForwardRelu"/>), so that fused and separate give the same floats.
    /// </summary>
    internal static float Relu(float v) => v < 0f ? 0f : v;

    /// <summary>
    /// dX = dY where the forward input was positive, else 0 (the derivative at 0 is taken as 0, as
    /// PyTorch does). <paramref name="xOrY"/> may be the forward input x or output y: both are
    /// positive at exactly the same elements. Items: elements.
    /// </summary>
    public static void ReluBackward(Index1D t, WorkSplit s,
        ArrayView<float> xOrY, ArrayView<float> dy, ArrayView<float> dx)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int i = s.Item(t, j);
            if (i >= s.Count) return;
            dx[i] = xOrY[i] > 0f ? dy[i] : 0f;
        }
    }

    /// <summary>y = 1 / (1 + e^(−x)), in a form that never overflows. Items: elements.</summary>
    public static void SigmoidForward(Index1D t, WorkSplit s, ArrayView<float> x, ArrayView<float> y)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int i = s.Item(t, j);
            if (i >= s.Count) return;
            float v = x[i];
            // e^(−|x|) ≤ 1, so neither branch overflows and small outputs keep their precision.
            if (v >= 0f)
            {
                y[i] = 1f / (1f + XMath.Exp(-v));
            }
            else
            {
                float e = XMath.Exp(v);
                y[i] = e / (1f + e);
            }
        }
    }

    /// <summary>dX = dY·y·(1 − y) with y the forward output. Items: elements.</summary>
    public static void SigmoidBackward(Index1D t, WorkSplit s,
        ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int i = s.Item(t, j);
            if (i >= s.Count) return;
            float v = y[i];
            dx[i] = dy[i] * v * (1f - v);
        }
    }

    /// <summary>y = tanh(x). Items: elements.</summary>
    public static void TanhForward(Index1D t, WorkSplit s, ArrayView<float> x, ArrayView<float> y)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int i = s.Item(t, j);
            if (i >= s.Count) return;
            y[i] = XMath.Tanh(x[i]);
        }
    }

    /// <summary>dX = dY·(1 − y²) with y the forward output. Items: elements.</summary>
    public static void TanhBackward(Index1D t, WorkSplit s,
        ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int i = s.Item(t, j);
            if (i >= s.Count) return;
            float v = y[i];
            dx[i] = dy[i] * (1f - v * v);
        }
    }
}
