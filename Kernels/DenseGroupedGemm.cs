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
/// exact zeros), then the bias, then the ReLU when <see cref="GemmShape.Relu"/> fuses one, exactly as
/// <see cref="Dense"/> does: both give the same floats.
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
        GemmBlock sum = default;
        for (int p0 = 0; p0 < g.Depth; p0 += Slice)
        {
            Stage(a, sa, lane, row0, p0, g.M, g.Depth, g.ARow, g.ACol);
            Stage(b, sb, lane, col0, p0, g.N, g.Depth, g.BRow, g.BCol);
            Group.Barrier();
            sum.AddSlice(sa, sb, ty, tx);
            Group.Barrier();
        }
        StoreRow(c, bias, g, row0 + ty, col0 + tx, sum.C00, sum.C01, sum.C02, sum.C03);
        StoreRow(c, bias, g, row0 + ty + 16, col0 + tx, sum.C10, sum.C11, sum.C12, sum.C13);
        StoreRow(c, bias, g, row0 + ty + 32, col0 + tx, sum.C20, sum.C21, sum.C22, sum.C23);
        StoreRow(c, bias, g, row0 + ty + 48, col0 + tx, sum.C30, sum.C31, sum.C32, sum.C33);
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
        if (g.Relu != 0) v = Activation.Relu(v);
        int at = i * g.Ldc + j;
        // Beta is exactly 0 or 1; 0 must overwrite even NaN garbage left in a fresh buffer.
        c[at] = g.Beta == 0f ? v : g.Beta * c[at] + v;
    }
}
