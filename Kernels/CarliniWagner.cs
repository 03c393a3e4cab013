using ILGPU;
using ILGPU.Algorithms;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// The L2 attack of Carlini and Wagner (2017) in its change of variables x′ = (tanh w + 1)/2,
/// which keeps x′ in [0, 1] for any w, so Adam can run unconstrained on w. The objective of
/// problem p is ‖x′ − x‖² + c_p·f(x′), f the margin loss (<see cref="MarginLoss"/>).
/// Shapes: x, w, m, v, adversarial, original, lossGradient [P, n]; weights [P]. Items: P·n elements.
/// </summary>
public static class CarliniWagner
{
    /// <summary>
    /// Clamp factor that keeps atanh finite at x = 0 and 1 (the value Carlini and Wagner's code and
    /// Foolbox use): the start x′ lies within about 1e-6 of x.
    /// </summary>
    public const double Shrink = 0.999999;

    /// <summary>w = atanh((2x − 1)·<see cref="Shrink"/>) and x′ = (tanh w + 1)/2, the start of a search.</summary>
    public static void ToTanhSpace(Index1D t, WorkSplit s, ArrayView<float> x, ArrayView<float> w, ArrayView<float> adversarial)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int i = s.Item(t, j);
            if (i >= s.Count) return;
            double u = (2.0 * x[i] - 1.0) * Shrink;
            double wi = 0.5 * XMath.Log((1.0 + u) / (1.0 - u));
            w[i] = (float)wi;
            adversarial[i] = (float)((XMath.Tanh(wi) + 1.0) * 0.5);
        }
    }

    /// <summary>
    /// One Adam step (β₁ 0.9, β₂ 0.999, ε̂ 1e-8, the defaults Carlini and Wagner use) on w:
    /// g = (2(x′ − x) + c_p·∇f(x′))·(1 − tanh² w)/2, m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g²,
    /// w ← w − lr·(m/(1 − β₁ᵗ))/(√(v/(1 − β₂ᵗ)) + ε̂), then x′ = (tanh w + 1)/2. step is t ≥ 1.
    /// Rows whose active flag is 0 are left as they are (an empty view runs all).
    /// </summary>
    public static void AdamStep(Index1D t, WorkSplit s,
        ArrayView<float> w, ArrayView<float> m, ArrayView<float> v, ArrayView<float> adversarial,
        ArrayView<float> original, ArrayView<float> lossGradient, ArrayView<float> weights,
        ArrayView<int> active, float learningRate, int step, int n)
    {
        const double beta1 = 0.9, beta2 = 0.999, tiny = 1e-8;
        double correction1 = 1.0 - XMath.Pow(beta1, step), correction2 = 1.0 - XMath.Pow(beta2, step);
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int i = s.Item(t, j);
            if (i >= s.Count) return;
            int p = i / n;
            if (active.Length > 0 && active[p] == 0) continue;
            double th = XMath.Tanh((double)w[i]);
            double gx = 2.0 * ((double)adversarial[i] - original[i]) + (double)weights[p] * lossGradient[i];
            double g = gx * (1.0 - th * th) * 0.5;
            double mi = beta1 * m[i] + (1.0 - beta1) * g;
            double vi = beta2 * v[i] + (1.0 - beta2) * g * g;
            m[i] = (float)mi;
            v[i] = (float)vi;
            double wi = w[i] - learningRate * (mi / correction1) / (XMath.Sqrt(vi / correction2) + tiny);
            w[i] = (float)wi;
            adversarial[i] = (float)((XMath.Tanh(wi) + 1.0) * 0.5);
        }
    }
}
