using ILGPU;
using static IlgpuBlindSpots.Kernels.GemmTile;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// The dense layer's products for GPU and OpenCL backends: a shared-memory tiled GEMM, explicitly
/// grouped. A group of 16×16 threads computes a 64×64 output tile, each thread a 4×4 register block
/// (rows ty + 16r, columns tx + 16c, so neighbouring threads store neighbouring columns); per step the
/// group stages a 64×16 slice of each operand in shared memory, loading along whichever axis is
/// contiguous in memory so that neighbouring threads read neighbouring addresses.
/// </summary>
/// <remarks>
/// Every output sums its products in order p = 0, 1, …, Depth − 1 (the slices past the edge add
/// exact zeros), then the bias, exactly as <see cref="Dense"/> does: both give the same floats.
/// Not for ILGPU's CPU accelerator, which emulates barriers with OS threads (thousands of times
/// slower there than <see cref="Dense"/>'s register tiles).
/// </remarks>
public static class DenseGroupedGemm
{
    /// <summary>Groups for a product: one per 64×64 output tile.</summary>
    public static int Groups(GemmShape g) => ((g.M + Tile - 1) / Tile) * ((g.N + Tile - 1) / Tile);

    /// <summary>The product <paramref name="g"/> describes. Launch <see cref="Groups"/> groups of <see cref="GemmTile.GroupSize"/>.</summary>
    public static void Product(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> bias, GemmShape g)
    {
        var sa = SharedMemory.Allocate<float>(Slice * Tile);
        var sb = SharedMemory.Allocate<float>(Slice * Tile);
        int tilesN = (g.N + Tile - 1) / Tile;
        int row0 = (Grid.IdxX / tilesN) * Tile, col0 = (Grid.IdxX % tilesN) * Tile;
        int lane = Group.IdxX, tx = lane % 16, ty = lane / 16;
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (int p0 = 0; p0 < g.Depth; p0 += Slice)
        {
            Stage(a, sa, lane, row0, p0, g.M, g.Depth, g.ARow, g.ACol);
            Stage(b, sb, lane, col0, p0, g.N, g.Depth, g.BRow, g.BCol);
            Group.Barrier();
            for (int p = 0; p < Slice; p++)
            {
                int o = p * Tile;
                float x0 = sa[o + ty], x1 = sa[o + ty + 16], x2 = sa[o + ty + 32], x3 = sa[o + ty + 48];
                float y0 = sb[o + tx], y1 = sb[o + tx + 16], y2 = sb[o + tx + 32], y3 = sb[o + tx + 48];
                c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
                c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
                c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
                c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
            }
            Group.Barrier();
        }
        StoreRow(c, bias, g, row0 + ty, col0 + tx, c00, c01, c02, c03);
        StoreRow(c, bias, g, row0 + ty + 16, col0 + tx, c10, c11, c12, c13);
        StoreRow(c, bias, g, row0 + ty + 32, col0 + tx, c20, c21, c22, c23);
        StoreRow(c, bias, g, row0 + ty + 48, col0 + tx, c30, c31, c32, c33);
    }

    /// <summary>
    /// Copies operand rows [first, first + 64) × depth [p0, p0 + 16) into shared memory as
    /// [p][row], zeros past either edge. Four elements per thread; consecutive lanes take
    /// consecutive depth when the operand's depth stride is 1, consecutive rows otherwise.
    /// </summary>
    private static void Stage(ArrayView<float> src, ArrayView<float> dst, int lane, int first, int p0,
        int rows, int depth, int rowStride, int depthStride)
    {
        for (int r = 0; r < Slice * Tile / GroupSize; r++)
        {
            int e = lane + r * GroupSize;
            int i = depthStride == 1 ? e / Slice : e % Tile;
            int p = depthStride == 1 ? e % Slice : e / Tile;
            int row = first + i, d = p0 + p;
            dst[p * Tile + i] = row < rows && d < depth ? src[row * rowStride + d * depthStride] : 0f;
        }
    }

    private static void StoreRow(ArrayView<float> c, ArrayView<float> bias, GemmShape g, int i, int j,
        float v0, float v1, float v2, float v3)
    {
        if (i >= g.M) return;
        Store(c, bias, g, i, j, v0);
        Store(c, bias, g, i, j + 16, v1);
        Store(c, bias, g, i, j + 32, v2);
        Store(c, bias, g, i, j + 48, v3);
    }

    private static void Store(ArrayView<float> c, ArrayView<float> bias, GemmShape g, int i, int j, float v)
    {
        if (j >= g.N) return;
        if (g.AddBias != 0) v += bias[j];
        int at = i * g.Ldc + j;
        // Beta is exactly 0 or 1; 0 must overwrite even NaN garbage left in a fresh buffer.
        c[at] = g.Beta == 0f ? v : g.Beta * c[at] + v;
    }
}
