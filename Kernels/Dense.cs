using ILGPU;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// Fully connected layer <c>y = x·Wᵀ + b</c>, forward and backward, as PyTorch's Linear stores it.
/// Shapes: x [B, K], W [N, K], b [N], y [B, N]; dY [B, N], dX [B, K], dW [N, K], db [N].
/// </summary>
/// <remarks>
/// All three products go through one register-blocked micro-kernel: each work item computes a
/// 4×4 tile of the output, so every loaded value feeds four multiply-adds. That is what makes the
/// CPU accelerator, which runs threads as plain scalar .NET code, reach a few GFLOP/s.
/// </remarks>
public static class Dense
{
    /// <summary>y[b, n] = Σₖ x[b, k]·W[n, k] + bias[n]. Items: ⌈B/4⌉·⌈N/4⌉ tiles.</summary>
    public static void Forward(Index1D t, WorkSplit s,
        ArrayView<float> x, ArrayView<float> w, ArrayView<float> bias, ArrayView<float> y,
        int batch, int inFeatures, int outFeatures)
    {
        int tilesN = (outFeatures + 3) / 4;
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int item = s.Item(t, j);
            if (item >= s.Count) return;
            Tile4x4(x, inFeatures, 1, w, inFeatures, 1, y, outFeatures, bias, true, 0f,
                (item / tilesN) * 4, (item % tilesN) * 4, batch, outFeatures, inFeatures);
        }
    }

    /// <summary>dX[b, k] = Σₙ dY[b, n]·W[n, k]. Items: ⌈B/4⌉·⌈K/4⌉ tiles.</summary>
    public static void BackwardInput(Index1D t, WorkSplit s,
        ArrayView<float> dy, ArrayView<float> w, ArrayView<float> dx,
        int batch, int inFeatures, int outFeatures)
    {
        int tilesK = (inFeatures + 3) / 4;
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int item = s.Item(t, j);
            if (item >= s.Count) return;
            Tile4x4(dy, outFeatures, 1, w, 1, inFeatures, dx, inFeatures, dy, false, 0f,
                (item / tilesK) * 4, (item % tilesK) * 4, batch, inFeatures, outFeatures);
        }
    }

    /// <summary>
    /// dW[n, k] = beta·dW[n, k] + Σ_b dY[b, n]·x[b, k]; beta 0 overwrites, 1 accumulates.
    /// Items: ⌈N/4⌉·⌈K/4⌉ tiles.
    /// </summary>
    public static void BackwardWeights(Index1D t, WorkSplit s,
        ArrayView<float> dy, ArrayView<float> x, ArrayView<float> dw,
        int batch, int inFeatures, int outFeatures, float beta)
    {
        int tilesK = (inFeatures + 3) / 4;
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int item = s.Item(t, j);
            if (item >= s.Count) return;
            Tile4x4(dy, 1, outFeatures, x, 1, inFeatures, dw, inFeatures, dy, false, beta,
                (item / tilesK) * 4, (item % tilesK) * 4, outFeatures, inFeatures, batch);
        }
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
    /// C[i, j] = beta·C[i, j] + Σₚ A[i·aRow + p·aCol]·B[j·bRow + p·bCol] (+ bias[j]) for the 4×4 tile
    /// at (i0, j0) of an M×N output C with row stride ldc. Out-of-range rows and columns are clamped
    /// for loading (so the inner loop has no branches) and skipped for storing.
    /// </summary>
    private static void Tile4x4(
        ArrayView<float> a, int aRow, int aCol,
        ArrayView<float> b, int bRow, int bCol,
        ArrayView<float> c, int ldc, ArrayView<float> bias, bool addBias, float beta,
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

        Store4(c, ldc, bias, addBias, beta, i0, j0, m, n, c00, c01, c02, c03);
        Store4(c, ldc, bias, addBias, beta, i0 + 1, j0, m, n, c10, c11, c12, c13);
        Store4(c, ldc, bias, addBias, beta, i0 + 2, j0, m, n, c20, c21, c22, c23);
        Store4(c, ldc, bias, addBias, beta, i0 + 3, j0, m, n, c30, c31, c32, c33);
    }

    private static void Store4(ArrayView<float> c, int ldc, ArrayView<float> bias, bool addBias, float beta,
        int i, int j0, int m, int n, float v0, float v1, float v2, float v3)
    {
        if (i >= m) return;
        int row = i * ldc;
        Store1(c, row, bias, addBias, beta, j0, n, v0);
        Store1(c, row, bias, addBias, beta, j0 + 1, n, v1);
        Store1(c, row, bias, addBias, beta, j0 + 2, n, v2);
        Store1(c, row, bias, addBias, beta, j0 + 3, n, v3);
    }

    private static void Store1(ArrayView<float> c, int row, ArrayView<float> bias, bool addBias, float beta,
        int j, int n, float v)
    {
        if (j >= n) return;
        if (addBias) v += bias[j];
        // beta is exactly 0 or 1; 0 must overwrite even NaN garbage left in a fresh buffer.
        c[row + j] = beta == 0f ? v : beta * c[row + j] + v;
    }
}
