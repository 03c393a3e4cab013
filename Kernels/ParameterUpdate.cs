using ILGPU;
using ILGPU.Algorithms;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// Training updates of a parameter tensor w [n] from its gradient g [n], in place.
/// Items: n (one per element; the split gives each CPU thread a contiguous chunk).
/// </summary>
public static class ParameterUpdate
{
    /// <summary>
    /// SGD with momentum, PyTorch's form: v = μ·v + g; w −= lr·v (Nesterov off).
    /// </summary>
    public static void SgdMomentum(Index1D t, WorkSplit s,
        ArrayView<float> w, ArrayView<float> g, ArrayView<float> velocity, float learningRate, float momentum)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int i = s.Item(t, j);
            if (i >= s.Count) return;
            float v = momentum * velocity[i] + g[i];
            velocity[i] = v;
            w[i] -= learningRate * v;
        }
    }

    /// <summary>
    /// Adam (Kingma and Ba): m = β₁m + (1−β₁)g; v = β₂v + (1−β₂)g²;
    /// w −= lr·m̂/(√v̂ + ε) with the bias corrections folded into <paramref name="stepSize"/> =
    /// lr·√(1−β₂ᵗ)/(1−β₁ᵗ) and <paramref name="epsilonHat"/> = ε·√(1−β₂ᵗ), computed on the host per step.
    /// </summary>
    public static void Adam(Index1D t, WorkSplit s,
        ArrayView<float> w, ArrayView<float> g, ArrayView<float> m, ArrayView<float> v,
        float stepSize, float beta1, float beta2, float epsilonHat)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int i = s.Item(t, j);
            if (i >= s.Count) return;
            float gi = g[i];
            float mi = beta1 * m[i] + (1f - beta1) * gi;
            float vi = beta2 * v[i] + (1f - beta2) * gi * gi;
            m[i] = mi;
            v[i] = vi;
            w[i] -= stepSize * mi / (XMath.Sqrt(vi) + epsilonHat);
        }
    }
}
