using ILGPU;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// Inverted dropout during training: each element is kept with probability 1 − p and scaled by
/// 1/(1 − p), so the expected activation is unchanged and evaluation needs no rescaling. In
/// evaluation mode dropout is the identity: the layer does not launch these kernels at all.
/// Tensors of any shape are seen as flat vectors of <c>WorkSplit.Count</c> elements; a work item is
/// one element.
/// </summary>
/// <remarks>
/// The random numbers come from a counter-based hash of (seed, step, element index) instead of a
/// generator with state: the mask needs no state buffer, is the same whatever the launch split or
/// backend, and is reproduced exactly by running again with the same seed and step. The element
/// index is the counter, so two dropout layers given the same seed and step would drop the same
/// positions; each layer must get its own seed. The step (e.g. the minibatch number) makes every
/// minibatch draw a fresh mask.
/// </remarks>
public static class Dropout
{
    /// <summary>
    /// mask = (u ≥ p) / (1 − p) with u = <see cref="Uniform"/>(seed, step, i); y = x·mask.
    /// The mask holds the scale itself (0 or 1/(1 − p)), so backward is one multiply.
    /// p must lie in [0, 1); the host checks it. y may be the same view as x. Items: elements.
    /// </summary>
    public static void Forward(Index1D t, WorkSplit s,
        ArrayView<float> x, ArrayView<float> y, ArrayView<float> mask, float p, int seed, int step)
    {
        float scale = 1f / (1f - p);
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int i = s.Item(t, j);
            if (i >= s.Count) return;
            float m = Uniform(seed, step, i) >= p ? scale : 0f;
            mask[i] = m;
            y[i] = x[i] * m;
        }
    }

    /// <summary>
    /// dX = dY·mask, i.e. dY·[kept]/(1 − p), with the mask <see cref="Forward"/> wrote.
    /// dX may be the same view as dY. Items: elements.
    /// </summary>
    public static void Backward(Index1D t, WorkSplit s,
        ArrayView<float> mask, ArrayView<float> dy, ArrayView<float> dx)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int i = s.Item(t, j);
            if (i >= s.Count) return;
            dx[i] = dy[i] * mask[i];
        }
    }

    /// <summary>
    /// A uniform number in [0, 1), a multiple of 2⁻²⁴, determined by (seed, step, index).
    /// Not a kernel: the dropout kernels call it, and tests use it to know the mask to expect.
    /// </summary>
    public static float Uniform(int seed, int step, int index)
    {
        uint key = Mix(Mix((uint)seed) ^ (uint)step);
        // Two keyed rounds: with one, the masks of two steps would be the same function of
        // index ^ key, i.e. permutations of each other with strongly related patterns.
        uint h = Mix(Mix((uint)index ^ key) + key);
        // The top 24 bits fit a float exactly. Converting through int keeps the kernel free of
        // float64, which a uint-to-float conversion would go through.
        return (int)(h >> 8) * (1f / 16777216f);
    }

    /// <summary>
    /// A 32-bit integer finaliser (xor-shift / multiply rounds): a bijection in which every input
    /// bit affects every output bit with probability close to one half.
    /// </summary>
    private static uint Mix(uint x)
    {
        x ^= x >> 16;
        x *= 0x7FEB352Du;
        x ^= x >> 15;
        x *= 0x846CA68Bu;
        x ^= x >> 16;
        return x;
    }
}
