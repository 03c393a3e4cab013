using ILGPU;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// Fully connected layer <c>y = x·Wᵀ + b</c>, forward and backward, as PyTorch's Linear stores it.
/// Shapes: x [B, K], W [N, K], b [N], y [B, N]; dY [B, N], dX [B, K], dW [N, K], db [N].
/// </summary>
/// <remarks>
/// All three products go through one register-blocked micro-kernel: each work item computes a
/// 4×4 tile of the output, so every loaded value feeds four multiply-adds. That is what makes the
/// CPU accelerator, which runs threads as plain scalar .NET code, reach a few GFLOP/s; the forward
/// product has a larger tile read in quads (<see cref="ForwardQuads"/>) for K divisible by 4.
/// GPU backends take <see cref="DenseGroupedGemm"/> instead; <c>Network.DenseProducts</c> chooses.
/// Both forward products add the bias as they store, and have a variant that applies the ReLU after
/// the layer there too (<see cref="ForwardRelu"/>, <see cref="ForwardQuadsRelu"/>), which a model
/// uses where nothing else reads the pre-activation.
/// </remarks>
public static class Dense
{
    /// <summary>y[b, n] = Σₖ x[b, k]·W[n, k] + bias[n]. Items: ⌈B/4⌉·⌈N/4⌉ tiles.</summary>
    public static void Forward(Index1D t, WorkSplit s,
        ArrayView<float> x, ArrayView<float> w, ArrayView<float> bias, ArrayView<float> y,
        int batch, int inFeatures, int outFeatures)
    {
        TiledProduct(t, s, x, inFeatures, 1, w, inFeatures, 1, y, outFeatures, bias, true, 0f, false, batch, outFeatures, inFeatures);
    }

    /// <summary>
    /// y[b, n] = max(Σₖ x[b, k]·W[n, k] + bias[n], 0): <see cref="Forward"/> with the ReLU that
    /// follows it applied as each output is stored (<see cref="Activation.Relu"/>, the very floats
    /// of the two kernels in turn), saving the activation's launch and pass. Items: ⌈B/4⌉·⌈N/4⌉ tiles.
    /// </summary>
    public static void ForwardRelu(Index1D t, WorkSplit s,
        ArrayView<float> x, ArrayView<float> w, ArrayView<float> bias, ArrayView<float> y,
        int batch, int inFeatures, int outFeatures)
    {
        TiledProduct(t, s, x, inFeatures, 1, w, inFeatures, 1, y, outFeatures, bias, true, 0f, true, batch, outFeatures, inFeatures);
    }

    /// <summary>Items of <see cref="ForwardQuads"/>: ⌈B/8⌉·⌈N/4⌉ tiles.</summary>
    public static int ForwardQuadsItems(int batch, int outFeatures) => ((batch + 7) / 8) * ((outFeatures + 3) / 4);

    /// <summary>
    /// <see cref="Forward"/> for K divisible by 4, reading x and W as <see cref="Quad"/>s: each item
    /// computes 8 examples × 4 outputs and loads 12 quads per 128 multiply-adds (the 4×4 tile loads
    /// 8 floats per 16). Every output still sums its K products in order, then adds the bias, so the
    /// result is bit-identical to <see cref="Forward"/>. The CPU accelerator's variant; a GPU takes
    /// <see cref="DenseGroupedGemm"/>. x [B, K/4], W [N, K/4] in quads. Items: <see cref="ForwardQuadsItems"/>.
    /// </summary>
    public static void ForwardQuads(Index1D t, WorkSplit s,
        ArrayView<Quad> x, ArrayView<Quad> w, ArrayView<float> bias, ArrayView<float> y,
        int batch, int quadsPerRow, int outFeatures)
    {
        QuadTiles(t, s, x, w, bias, y, batch, quadsPerRow, outFeatures, false);
    }

    /// <summary>
    /// <see cref="ForwardQuads"/> with the following ReLU applied as each output is stored, as
    /// <see cref="ForwardRelu"/> does. Items: <see cref="ForwardQuadsItems"/>.
    /// </summary>
    public static void ForwardQuadsRelu(Index1D t, WorkSplit s,
        ArrayView<Quad> x, ArrayView<Quad> w, ArrayView<float> bias, ArrayView<float> y,
        int batch, int quadsPerRow, int outFeatures)
    {
        QuadTiles(t, s, x, w, bias, y, batch, quadsPerRow, outFeatures, true);
    }

    private static void QuadTiles(Index1D t, WorkSplit s,
        ArrayView<Quad> x, ArrayView<Quad> w, ArrayView<float> bias, ArrayView<float> y,
        int batch, int quadsPerRow, int outFeatures, bool relu)
    {
        int tilesN = (outFeatures + 3) / 4;
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int item = s.Item(t, j);
            if (item >= s.Count) return;
            QuadTile8x4(x, w, bias, y, (item / tilesN) * 8, (item % tilesN) * 4, batch, outFeatures, quadsPerRow, relu);
        }
    }

    /// <summary>dX[b, k] = Σₙ dY[b, n]·W[n, k]. Items: ⌈B/4⌉·⌈K/4⌉ tiles.</summary>
    public static void BackwardInput(Index1D t, WorkSplit s,
        ArrayView<float> dy, ArrayView<float> w, ArrayView<float> dx,
        int batch, int inFeatures, int outFeatures)
    {
        TiledProduct(t, s, dy, outFeatures, 1, w, 1, inFeatures, dx, inFeatures, dy, false, 0f, false, batch, inFeatures, outFeatures);
    }

    /// <summary>
    /// dW[n, k] = beta·dW[n, k] + Σ_b dY[b, n]·x[b, k]; beta 0 overwrites, 1 accumulates.
    /// Items: ⌈N/4⌉·⌈K/4⌉ tiles.
    /// </summary>
    public static void BackwardWeights(Index1D t, WorkSplit s,
        ArrayView<float> dy, ArrayView<float> x, ArrayView<float> dw,
        int batch, int inFeatures, int outFeatures, float beta)
    {
        TiledProduct(t, s, dy, 1, outFeatures, x, 1, inFeatures, dw, inFeatures, dy, false, beta, false, outFeatures, inFeatures, batch);
    }

    /// <summary>db[n] = beta·db[n] + Σ_b dY[b, n]. Items: N.</summary>
    public static void BackwardBias(Index1D t, WorkSplit s,
        ArrayView<float> dy, ArrayView<float> db, int batch, int outFeatures, float beta)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int n = s.Item(t, j);
            if (n >= s.Count) return;
            float sum = 0f;
            for (int b = 0; b < batch; b++)
                sum += dy[b * outFeatures + n];
            db[n] = beta * db[n] + sum;
        }
    }

    /// <summary>
    /// The M×N product C = beta·C + A·Bᵀ (+ bias) that all three public 4×4-tiled kernels are, with
    /// A, B and C read through the strides <see cref="Tile4x4"/> takes, each output through a ReLU
    /// when <paramref name="relu"/> is set: one item per 4×4 output tile, ⌈M/4⌉·⌈N/4⌉ items, row-major over the tiles.
    /// </summary>
    private static void TiledProduct(Index1D t, WorkSplit s,
        ArrayView<float> a, int aRow, int aCol,
        ArrayView<float> b, int bRow, int bCol,
        ArrayView<float> c, int ldc, ArrayView<float> bias, bool addBias, float beta, bool relu,
        int m, int n, int depth)
    {
        int tilesN = (n + 3) / 4;
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int item = s.Item(t, j);
            if (item >= s.Count) return;
            Tile4x4(a, aRow, aCol, b, bRow, bCol, c, ldc, bias, addBias, beta, relu, (item / tilesN) * 4, (item % tilesN) * 4, m, n, depth);
        }
    }

    /// <summary>
    /// C[i, j] = beta·C[i, j] + Σₚ A[i·aRow + p·aCol]·B[j·bRow + p·bCol] (+ bias[j]) for the 4×4 tile
    /// at (i0, j0) of an M×N output C with row stride ldc. Out-of-range rows and columns are clamped
    /// for loading (so the inner loop has no branches) and skipped for storing.
    /// </summary>
    private static void Tile4x4(
        ArrayView<float> a, int aRow, int aCol,
        ArrayView<float> b, int bRow, int bCol,
        ArrayView<float> c, int ldc, ArrayView<float> bias, bool addBias, float beta, bool relu,
        int i0, int j0, int m, int n, int depth)
    {
        int a0 = i0 * aRow, a1 = Math.Min(i0 + 1, m - 1) * aRow;
        int a2 = Math.Min(i0 + 2, m - 1) * aRow, a3 = Math.Min(i0 + 3, m - 1) * aRow;
        int b0 = j0 * bRow, b1 = Math.Min(j0 + 1, n - 1) * bRow;
        int b2 = Math.Min(j0 + 2, n - 1) * bRow, b3 = Math.Min(j0 + 3, n - 1) * bRow;

        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (int p = 0; p < depth; p++)
        {
            int pa = p * aCol, pb = p * bCol;
            float x0 = a[a0 + pa], x1 = a[a1 + pa], x2 = a[a2 + pa], x3 = a[a3 + pa];
            float y0 = b[b0 + pb], y1 = b[b1 + pb], y2 = b[b2 + pb], y3 = b[b3 + pb];
            c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
            c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
            c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
            c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
        }

        Store4(c, ldc, bias, addBias, beta, relu, i0, j0, m, n, c00, c01, c02, c03);
        Store4(c, ldc, bias, addBias, beta, relu, i0 + 1, j0, m, n, c10, c11, c12, c13);
        Store4(c, ldc, bias, addBias, beta, relu, i0 + 2, j0, m, n, c20, c21, c22, c23);
        Store4(c, ldc, bias, addBias, beta, relu, i0 + 3, j0, m, n, c30, c31, c32, c33);
    }

    /// <summary>
    /// y[i, j] = Σ_q x[i, q]·W[j, q] + bias[j] for the 8×4 tile at (i0, j0); rows and columns past
    /// the edge are clamped for loading and skipped for storing.
    /// </summary>
    private static void QuadTile8x4(ArrayView<Quad> x, ArrayView<Quad> w, ArrayView<float> bias, ArrayView<float> y,
        int i0, int j0, int m, int n, int quads, bool relu)
    {
        int r0 = i0 * quads, r1 = Math.Min(i0 + 1, m - 1) * quads, r2 = Math.Min(i0 + 2, m - 1) * quads;
        int r3 = Math.Min(i0 + 3, m - 1) * quads, r4 = Math.Min(i0 + 4, m - 1) * quads;
        int r5 = Math.Min(i0 + 5, m - 1) * quads, r6 = Math.Min(i0 + 6, m - 1) * quads;
        int r7 = Math.Min(i0 + 7, m - 1) * quads;
        int w0 = j0 * quads, w1 = Math.Min(j0 + 1, n - 1) * quads;
        int w2 = Math.Min(j0 + 2, n - 1) * quads, w3 = Math.Min(j0 + 3, n - 1) * quads;
        QuadRowSums s0 = default, s1 = default, s2 = default, s3 = default;
        QuadRowSums s4 = default, s5 = default, s6 = default, s7 = default;
        for (int q = 0; q < quads; q++)
        {
            Quad b0 = w[w0 + q], b1 = w[w1 + q], b2 = w[w2 + q], b3 = w[w3 + q];
            s0.Add(x[r0 + q], b0, b1, b2, b3);
            s1.Add(x[r1 + q], b0, b1, b2, b3);
            s2.Add(x[r2 + q], b0, b1, b2, b3);
            s3.Add(x[r3 + q], b0, b1, b2, b3);
            s4.Add(x[r4 + q], b0, b1, b2, b3);
            s5.Add(x[r5 + q], b0, b1, b2, b3);
            s6.Add(x[r6 + q], b0, b1, b2, b3);
            s7.Add(x[r7 + q], b0, b1, b2, b3);
        }

        Store4(y, n, bias, true, 0f, relu, i0, j0, m, n, s0.V0, s0.V1, s0.V2, s0.V3);
        Store4(y, n, bias, true, 0f, relu, i0 + 1, j0, m, n, s1.V0, s1.V1, s1.V2, s1.V3);
        Store4(y, n, bias, true, 0f, relu, i0 + 2, j0, m, n, s2.V0, s2.V1, s2.V2, s2.V3);
        Store4(y, n, bias, true, 0f, relu, i0 + 3, j0, m, n, s3.V0, s3.V1, s3.V2, s3.V3);
        Store4(y, n, bias, true, 0f, relu, i0 + 4, j0, m, n, s4.V0, s4.V1, s4.V2, s4.V3);
        Store4(y, n, bias, true, 0f, relu, i0 + 5, j0, m, n, s5.V0, s5.V1, s5.V2, s5.V3);
        Store4(y, n, bias, true, 0f, relu, i0 + 6, j0, m, n, s6.V0, s6.V1, s6.V2, s6.V3);
        Store4(y, n, bias, true, 0f, relu, i0 + 7, j0, m, n, s7.V0, s7.V1, s7.V2, s7.V3);
    }

    private static void Store4(ArrayView<float> c, int ldc, ArrayView<float> bias, bool addBias, float beta, bool relu,
        int i, int j0, int m, int n, float v0, float v1, float v2, float v3)
    {
        if (i >= m) return;
        int row = i * ldc;
        Store1(c, row, bias, addBias, beta, relu, j0, n, v0);
        Store1(c, row, bias, addBias, beta, relu, j0 + 1, n, v1);
        Store1(c, row, bias, addBias, beta, relu, j0 + 2, n, v2);
        Store1(c, row, bias, addBias, beta, relu, j0 + 3, n, v3);
    }

    private static void Store1(ArrayView<float> c, int row, ArrayView<float> bias, bool addBias, float beta, bool relu,
        int j, int n, float v)
    {
        if (j >= n) return;
        if (addBias) v += bias[j];
        // Only the forward product takes the ReLU, and it overwrites (beta 0): max(x·w + b, 0) exactly.
        if (relu) v = Activation.Relu(v);
        // beta is exactly 0 or 1; 0 must overwrite even NaN garbage left in a fresh buffer.
        c[row + j] = beta == 0f ? v : beta * c[row + j] + v;
    }
}
