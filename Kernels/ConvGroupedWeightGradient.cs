using ILGPU;
using static IlgpuBlindSpots.Kernels.GemmTile;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// The convolution's weight gradient for GPUs, as an implicit GEMM in shared-memory tiles split
/// along its long summed axis: dW[o, p] = Σ_m dY[b, o, oy, ox]·Patch[m, p]
/// with p = (c, ky, kx) and m = (b, oy, ox), Patch = x[b, c, oy·sH − pH + ky, ox·sW − pW + kx]
/// (zero in the padding). Shapes (see <see cref="ConvShape"/>): dY [B, O, OH, OW], x [B, C, H, W],
/// dW [O, C·KH·KW]. The product is O × C·KH·KW, often a single 64×64 tile, summed over B·OH·OW
/// pixels (tens of thousands): <see cref="Partial"/> gives each group a tile and one chunk of the
/// pixels and writes partial sums [chunk, O, C·KH·KW]; <see cref="Reduce"/> adds the chunks in order.
/// </summary>
/// <remarks>
/// A group of 16×16 threads computes 64 output channels × 64 taps, each thread a 4×4 block
/// (channels ty + 16r, taps tx + 16j). Both operands are staged along the pixel axis, contiguous
/// in dY and in x (at width stride 1), with cursors advanced by carries rather than divisions.
/// Deterministic: no atomics, and the chunks are summed in a fixed order.
/// </remarks>
public static class ConvGroupedWeightGradient
{
    /// <summary>Tiles of the O × C·KH·KW product.</summary>
    public static int Tiles(ConvShape c) =>
        ((c.OutChannels + Tile - 1) / Tile) * ((c.InChannels * c.KernelH * c.KernelW + Tile - 1) / Tile);

    /// <summary>
    /// Partial sums of dW over pixel chunks of <paramref name="chunk"/> pixels (a multiple of
    /// <see cref="GemmTile.Slice"/>): partial[k, o, p] sums chunk k. Launch <see cref="Tiles"/>·chunks groups
    /// of <see cref="GemmTile.GroupSize"/>, chunks = ⌈B·OH·OW / chunk⌉.
    /// </summary>
    public static void Partial(ArrayView<float> dy, ArrayView<float> x, ArrayView<float> partial, ConvShape c, ChunkSize chunk)
    {
        var sg = SharedMemory.Allocate<float>(Slice * Tile);
        var sp = SharedMemory.Allocate<float>(Slice * Tile);
        int area = c.KernelH * c.KernelW, taps = c.InChannels * area;
        int plane = c.OutH * c.OutW, pixels = c.Batch * plane;
        int tiles = Tiles(c), tilesT = (taps + Tile - 1) / Tile;
        int k = Grid.IdxX / tiles, tile = Grid.IdxX % tiles;
        int row0 = tile / tilesT * Tile, col0 = tile % tilesT * Tile;
        int lane = Group.IdxX, tx = lane % 16, ty = lane / 16;
        // dY: this thread stages pixel m0 + tx (image gb, pixel gpix of its plane) of channels ty + 16r.
        int first = k * chunk.Pixels, end = Math.Min(first + chunk.Pixels, pixels);
        int gb = (first + tx) / plane, gpix = (first + tx) % plane;
        // x: this thread stages tap col0 + lane % 64 (channel plane tq, offsets tky, tkx) of pixels m0 + pd + 4r.
        int tap = col0 + lane % Tile, pd = lane / Tile;
        int tq = tap / area * c.Height * c.Width, tky = tap % area / c.KernelW - c.PadH, tkx = tap % c.KernelW - c.PadW;
        int m = first + pd, pb = m / plane, oy = m % plane / c.OutW, ox = m % c.OutW;
        GemmBlock sum = default;
        for (int m0 = first; m0 < end; m0 += Slice)
        {
            bool inside = m0 + tx < end;
            for (int r = 0; r < Tile / 16; r++)
            {
                int o = row0 + ty + 16 * r;
                sg[tx * Tile + ty + 16 * r] = inside && o < c.OutChannels ? dy[(gb * c.OutChannels + o) * plane + gpix] : 0f;
            }
            for (gpix += Slice; gpix >= plane; gpix -= plane) gb++;
            for (int r = 0; r < Slice / 4; r++)
            {
                int iy = oy * c.StrideH + tky, ix = ox * c.StrideW + tkx;
                bool valid = m0 + pd + 4 * r < end && tap < taps && (uint)iy < (uint)c.Height && (uint)ix < (uint)c.Width;
                sp[(pd + 4 * r) * Tile + lane % Tile] = valid ? x[(pb * c.InChannels * c.Height + iy) * c.Width + ix + tq] : 0f;
                for (ox += 4; ox >= c.OutW; ox -= c.OutW) oy++;
                for (; oy >= c.OutH; oy -= c.OutH) pb++;
            }
            Group.Barrier();
            sum.AddSlice(sg, sp, ty, tx);
            Group.Barrier();
        }
        int at = k * c.OutChannels * taps;
        StoreRow(partial, at, c.OutChannels, taps, row0 + ty, col0 + tx, sum.C00, sum.C01, sum.C02, sum.C03);
        StoreRow(partial, at, c.OutChannels, taps, row0 + ty + 16, col0 + tx, sum.C10, sum.C11, sum.C12, sum.C13);
        StoreRow(partial, at, c.OutChannels, taps, row0 + ty + 32, col0 + tx, sum.C20, sum.C21, sum.C22, sum.C23);
        StoreRow(partial, at, c.OutChannels, taps, row0 + ty + 48, col0 + tx, sum.C30, sum.C31, sum.C32, sum.C33);
    }

    /// <summary>
    /// dW[i] = beta·dW[i] + Σ_k partial[k·n + i], k = 0, 1, … in order; beta 0 overwrites, 1
    /// accumulates. Items: n = O·C·KH·KW.
    /// </summary>
    public static void Reduce(Index1D t, WorkSplit s, ArrayView<float> partial, ArrayView<float> dw, int chunks, float beta)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int i = s.Item(t, j);
            if (i >= s.Count) return;
            float sum = 0f;
            for (int k = 0; k < chunks; k++) sum += partial[k * s.Count + i];
            // beta is exactly 0 or 1; 0 must overwrite even NaN garbage left in a fresh buffer.
            dw[i] = beta == 0f ? sum : beta * dw[i] + sum;
        }
    }

    private static void StoreRow(ArrayView<float> partial, int at, int rows, int columns, int o, int p,
        float v0, float v1, float v2, float v3)
    {
        if (o >= rows) return;
        int row = at + o * columns;
        if (p < columns) partial[row + p] = v0;
        if (p + 16 < columns) partial[row + p + 16] = v1;
        if (p + 32 < columns) partial[row + p + 32] = v2;
        if (p + 48 < columns) partial[row + p + 48] = v3;
    }
}
