using ILGPU;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// Points on the segment from an original input to a known adversarial one, for a bisection on the
/// scale of the perturbation: the smallest s with x + s·(a − x) still adversarial. Every such point
/// is a convex combination of two points of [0, 1]ⁿ, so it stays in the box.
/// Shapes: point, original, endpoint [P, n]; scales [P]. Items: P·n elements.
/// </summary>
public static class BoundaryBisection
{
    /// <summary>point[p, :] = x_p + scales[p]·(a_p − x_p), clamped to [0, 1] against rounding.</summary>
    public static void Interpolate(Index1D t, WorkSplit s,
        ArrayView<float> point, ArrayView<float> original, ArrayView<float> endpoint, ArrayView<float> scales, int n)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int i = s.Item(t, j);
            if (i >= s.Count) return;
            float x = original[i];
            float v = x + scales[i / n] * (endpoint[i] - x);
            point[i] = v < 0f ? 0f : v > 1f ? 1f : v;
        }
    }
}
