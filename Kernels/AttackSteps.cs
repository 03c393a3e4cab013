using ILGPU;
using ILGPU.Algorithms;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// Steps of the gradient attacks with a fixed budget ε (FGSM, projected gradient descent), each
/// fused with the projection onto the set of allowed inputs: the ε-ball around the original x
/// intersected with the box [0, 1]ⁿ. They descend an attack loss, so an untargeted attack passes
/// the gradient of a loss that falls as the label's probability does.
/// Shapes: x′ (adversarial, updated in place), gradient, x (original) [B, n]; x must lie in [0, 1].
/// </summary>
public static class AttackSteps
{
    /// <summary>
    /// L∞: x′ = clamp(x′ − step·sign(g), max(0, x − ε), min(1, x + ε)), sign(0) = 0. With x′ = x and
    /// step = ε this is FGSM; step 0 only projects (e.g. a random start). The clamp is the exact
    /// projection onto the L∞ ball ∩ box, which is itself a box. Items: B·n elements.
    /// </summary>
    public static void SignStep(Index1D t, WorkSplit s,
        ArrayView<float> adversarial, ArrayView<float> gradient, ArrayView<float> original, float step, float epsilon)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int i = s.Item(t, j);
            if (i >= s.Count) return;
            float g = gradient[i];
            float v = adversarial[i] - (g > 0f ? step : g < 0f ? -step : 0f);
            float x = original[i];
            float lo = XMath.Max(0f, x - epsilon), hi = XMath.Min(1f, x + epsilon);
            adversarial[i] = v < lo ? lo : v > hi ? hi : v;
        }
    }

    /// <summary>
    /// L2: x′ ← Π(x′ − step·g/‖g‖₂) per row, Π the projection onto {‖x′ − x‖₂ ≤ ε} ∩ [0, 1]ⁿ (see
    /// <see cref="ProjectL2"/>). A zero gradient leaves x′ where it is (projected); step 0 only
    /// projects. Items: B rows.
    /// </summary>
    public static void NormalizedStep(Index1D t, WorkSplit s,
        ArrayView<float> adversarial, ArrayView<float> gradient, ArrayView<float> original, float step, float epsilon, int n)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int r = s.Item(t, j);
            if (r >= s.Count) return;
            int row = r * n;
            double norm = 0.0;
            for (int k = 0; k < n; k++)
                norm += (double)gradient[row + k] * gradient[row + k];
            norm = XMath.Sqrt(norm);
            if (norm > 0.0)
            {
                float a = (float)(step / norm);
                for (int k = 0; k < n; k++)
                    adversarial[row + k] -= a * gradient[row + k];
            }
            ProjectRow(adversarial, original, epsilon, row, n);
        }
    }

    /// <summary>
    /// x′ ← the point nearest x′ with ‖x′ − x‖₂ ≤ ε and x′ in [0, 1]ⁿ, per row. Items: B rows.
    /// </summary>
    /// <remarks>
    /// With v = x′ − x and the box of r = x′ − x being [−x, 1 − x] (which holds 0), the KKT
    /// conditions give the projection as r = clamp(s·v, −x, 1 − x) for the largest s in [0, 1] with
    /// ‖r‖₂ ≤ ε; ‖clamp(s·v)‖ grows monotonically with s, so s is found by bisection in float64
    /// (40 halvings) and the feasible end of the bracket is taken: the result never leaves the
    /// ball, up to the float32 rounding of x + r.
    /// </remarks>
    public static void ProjectL2(Index1D t, WorkSplit s,
        ArrayView<float> adversarial, ArrayView<float> original, float epsilon, int n)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int r = s.Item(t, j);
            if (r >= s.Count) return;
            ProjectRow(adversarial, original, epsilon, r * n, n);
        }
    }

    private static void ProjectRow(ArrayView<float> adversarial, ArrayView<float> original, float epsilon, int row, int n)
    {
        double limit = (double)epsilon * epsilon;
        double scale = 1.0;
        if (ClampedSquaredNorm(adversarial, original, 1.0, row, n) > limit)
        {
            double lo = 0.0, hi = 1.0;
            for (int it = 0; it < 40; it++)
            {
                double mid = 0.5 * (lo + hi);
                if (ClampedSquaredNorm(adversarial, original, mid, row, n) > limit) hi = mid;
                else lo = mid;
            }
            scale = lo;
        }
        for (int k = 0; k < n; k++)
        {
            float x = original[row + k];
            float v = x + (float)ClampedOffset(adversarial[row + k], x, scale);
            // x + (1 − x) may round above 1: the box is kept exactly, which only moves toward x.
            adversarial[row + k] = v < 0f ? 0f : v > 1f ? 1f : v;
        }
    }

    /// <summary>‖clamp(scale·(x′ − x), −x, 1 − x)‖₂² in float64.</summary>
    private static double ClampedSquaredNorm(ArrayView<float> adversarial, ArrayView<float> original, double scale, int row, int n)
    {
        double sum = 0.0;
        for (int k = 0; k < n; k++)
        {
            double r = ClampedOffset(adversarial[row + k], original[row + k], scale);
            sum += r * r;
        }
        return sum;
    }

    private static double ClampedOffset(float adversarial, float original, double scale)
    {
        double x = original;
        double r = scale * ((double)adversarial - x);
        double lo = -x, hi = 1.0 - x;
        return r < lo ? lo : r > hi ? hi : r;
    }
}
