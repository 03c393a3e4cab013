using System.Runtime.CompilerServices;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// The four running sums of one row of a tile of <see cref="Dense.ForwardQuads"/>, one per output
/// column: the row's update is one step (<see cref="Add"/>), so a tile of many rows is that step
/// once per row. A local of this type stays in registers like four float locals.
/// </summary>
internal struct QuadRowSums
{
    /// <summary>The sums of the tile's four columns, in column order.</summary>
    public float V0, V1, V2, V3;

    /// <summary>Adds a·bⱼ to column j's sum, each in <see cref="Quad.MultiplyAdd"/>'s order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(Quad a, Quad b0, Quad b1, Quad b2, Quad b3)
    {
        V0 = Quad.MultiplyAdd(V0, a, b0);
        V1 = Quad.MultiplyAdd(V1, a, b1);
        V2 = Quad.MultiplyAdd(V2, a, b2);
        V3 = Quad.MultiplyAdd(V3, a, b3);
    }
}
