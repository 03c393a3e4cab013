using System.Runtime.CompilerServices;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// Four consecutive floats read as one element. On ILGPU's CPU accelerator every
/// <c>ArrayView</c> access pays for its range assertions, so reading a row four values at a time
/// cuts that cost fourfold.
/// </summary>
public struct Quad
{
    /// <summary>The four values, in memory order.</summary>
    public float X, Y, Z, W;

    /// <summary>
    /// c + a·b summed left to right, one term at a time: the same additions in the same order as
    /// a scalar loop over the four values, so results are bit-identical to it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MultiplyAdd(float c, Quad a, Quad b)
    {
        c += a.X * b.X;
        c += a.Y * b.Y;
        c += a.Z * b.Z;
        c += a.W * b.W;
        return c;
    }
}
