namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// One product C[i, j] = Beta·C[i, j] + Σₚ A[i·ARow + p·ACol]·B[j·BRow + p·BCol] (+ bias[j]) of
/// an M×N output with row stride Ldc, for <see cref="DenseGroupedGemm"/>. The strides let one
/// kernel serve the dense layer's forward product and both of its gradients.
/// </summary>
public readonly struct GemmShape
{
    /// <summary>Output rows, output columns, and the summed axis's length.</summary>
    public readonly int M, N, Depth;
    /// <summary>Strides of A along the output row and the summed axis.</summary>
    public readonly int ARow, ACol;
    /// <summary>Strides of B along the output column and the summed axis.</summary>
    public readonly int BRow, BCol;
    /// <summary>Row stride of C.</summary>
    public readonly int Ldc;
    /// <summary>1 adds bias[j] to every output (the forward product), 0 does not.</summary>
    public readonly int AddBias;
    /// <summary>Exactly 0 (overwrite) or 1 (accumulate).</summary>
    public readonly float Beta;
    /// <summary>1 stores max(output, 0) (a forward product whose ReLU is fused into it, see <see cref="Activation.Relu"/>), 0 the output itself.</summary>
    public readonly int Relu;

    /// <summary>A product of the given sizes and strides.</summary>
    public GemmShape(int m, int n, int depth, int aRow, int aCol, int bRow, int bCol, int ldc, bool addBias, float beta, bool relu = false)
    {
        M = m; N = n; Depth = depth; ARow = aRow; ACol = aCol; BRow = bRow; BCol = bCol; Ldc = ldc;
        AddBias = addBias ? 1 : 0;
        Beta = beta;
        Relu = relu ? 1 : 0;
    }

    /// <summary>y = x·Wᵀ + b, or max(x·Wᵀ + b, 0) with <paramref name="relu"/>: x [B, K], W [N, K], y [B, N].</summary>
    public static GemmShape DenseForward(int batch, int inFeatures, int outFeatures, bool relu = false) =>
        new(batch, outFeatures, inFeatures, inFeatures, 1, inFeatures, 1, outFeatures, true, 0f, relu);

    /// <summary>dX = dY·W: dY [B, N], W [N, K], dX [B, K].</summary>
    public static GemmShape DenseBackwardInput(int batch, int inFeatures, int outFeatures) =>
        new(batch, inFeatures, outFeatures, outFeatures, 1, 1, inFeatures, inFeatures, false, 0f);

    /// <summary>dW = beta·dW + dYᵀ·x: dY [B, N], x [B, K], dW [N, K].</summary>
    public static GemmShape DenseBackwardWeights(int batch, int inFeatures, int outFeatures, float beta) =>
        new(outFeatures, inFeatures, batch, 1, outFeatures, 1, inFeatures, inFeatures, false, beta);
}
