using System.Numerics.Tensors;

namespace IlgpuBlindSpots.Bench;

/// <summary>
/// The same operations in plain vectorised C# (TensorPrimitives, rows spread over the cores with
/// Parallel.For): what a .NET programmer would write without ILGPU. The kernels are measured
/// against these in the same run.
/// </summary>
internal static class PlainBaselines
{
    /// <summary>y = x·Wᵀ + b; x [B,K], W [N,K].</summary>
    public static void DenseForward(float[] x, float[] w, float[] b, float[] y, int batch, int k, int n) =>
        Parallel.For(0, batch, i =>
        {
            var xi = x.AsSpan(i * k, k);
            for (int o = 0; o < n; o++) y[i * n + o] = TensorPrimitives.Dot(xi, w.AsSpan(o * k, k)) + b[o];
        });

    /// <summary>dX = dY·W, as row updates dX[i] += dY[i,o]·W[o].</summary>
    public static void DenseBackwardInput(float[] dy, float[] w, float[] dx, int batch, int k, int n) =>
        Parallel.For(0, batch, i =>
        {
            var dxi = dx.AsSpan(i * k, k);
            dxi.Clear();
            for (int o = 0; o < n; o++)
                TensorPrimitives.MultiplyAdd(w.AsSpan(o * k, k), dy[i * n + o], dxi, dxi);
        });

    /// <summary>dW = dYᵀ·X, as row updates dW[o] += dY[i,o]·x[i]; db = Σ dY.</summary>
    public static void DenseBackwardWeights(float[] dy, float[] x, float[] dw, float[] db, int batch, int k, int n) =>
        Parallel.For(0, n, o =>
        {
            var dwo = dw.AsSpan(o * k, k);
            dwo.Clear();
            float sb = 0;
            for (int i = 0; i < batch; i++)
            {
                float g = dy[i * n + o];
                sb += g;
                TensorPrimitives.MultiplyAdd(x.AsSpan(i * k, k), g, dwo, dwo);
            }
            db[o] = sb;
        });
}
