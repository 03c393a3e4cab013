using System.Runtime.CompilerServices;
using ILGPU;
using static IlgpuBlindSpots.Kernels.GemmTile;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// The 4×4 register block one thread of a shared-memory GEMM (<see cref="GemmTile"/>) sums:
/// C[r, c] for the tile's rows ty + 16r and columns tx + 16c. The three GEMMs stage their operands
/// differently but sum a staged slice the same way, so that step is written once (<see cref="AddSlice"/>).
/// A local of this type stays in registers like sixteen float locals.
/// </summary>
internal struct GemmBlock
{
    /// <summary>The sums, C{row}{column}.</summary>
    public float C00, C01, C02, C03, C10, C11, C12, C13, C20, C21, C22, C23, C30, C31, C32, C33;

    /// <summary>
    /// Adds the products of one staged slice, p = 0, 1, …, Slice − 1 in order: C[r, c] +=
    /// rows[p·Tile + ty + 16r]·columns[p·Tile + tx + 16c], both operands laid out [p][row] in shared memory.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AddSlice(ArrayView<float> rows, ArrayView<float> columns, int ty, int tx)
    {
        for (int p = 0; p < Slice; p++)
        {
            int o = p * Tile;
            float a0 = rows[o + ty], a1 = rows[o + ty + 16], a2 = rows[o + ty + 32], a3 = rows[o + ty + 48];
            float u0 = columns[o + tx], u1 = columns[o + tx + 16], u2 = columns[o + tx + 32], u3 = columns[o + tx + 48];
            C00 += a0 * u0; C01 += a0 * u1; C02 += a0 * u2; C03 += a0 * u3;
            C10 += a1 * u0; C11 += a1 * u1; C12 += a1 * u2; C13 += a1 * u3;
            C20 += a2 * u0; C21 += a2 * u1; C22 += a2 * u2; C23 += a2 * u3;
            C30 += a3 * u0; C31 += a3 * u1; C32 += a3 * u2; C33 += a3 * u3;
        }
    }
}
