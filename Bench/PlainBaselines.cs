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

    /// <summary>y = max(x·Wᵀ + b, 0): <see cref="DenseForward"/>, then the ReLU over y.</summary>
    public static void DenseForwardRelu(float[] x, float[] w, float[] b, float[] y, int batch, int k, int n)
    {
        DenseForward(x, w, b, y, batch, k, n);
        TensorPrimitives.Max(y, 0f, y);
    }

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

    /// <summary>Zero-padded copy of x [B, C, H, W] → [B, C, H + 2p, W + 2p].</summary>
    public static float[] Pad(float[] x, int batch, int c, int h, int w, int p)
    {
        int hp = h + 2 * p, wp = w + 2 * p;
        var xp = new float[batch * c * hp * wp];
        for (int plane = 0; plane < batch * c; plane++)
            for (int y = 0; y < h; y++)
                x.AsSpan((plane * h + y) * w, w).CopyTo(xp.AsSpan((plane * hp + y + p) * wp + p, w));
        return xp;
    }

    /// <summary>Stride-1 convolution as vectorised row updates: y[b,o,oy,:] += W[o,c,ky,kx]·xpad[b,c,oy+ky,kx:kx+OW].</summary>
    public static void ConvForward(float[] x, float[] w, float[] bias, float[] y, int batch, int c, int h, int wd, int o, int k, int p) =>
        ConvForwardStrided(x, w, bias, y, batch, c, h, wd, o, k, 1, p);

    /// <summary>
    /// A convolution of any stride (ResNet's 3×3 stride-2 layers), row by row: a stride-1 row is a
    /// contiguous span of the padded input, a strided one is gathered first.
    /// </summary>
    public static void ConvForwardStrided(float[] x, float[] w, float[] bias, float[] y, int batch, int c, int h, int wd, int o, int k, int s, int p)
    {
        var xp = Pad(x, batch, c, h, wd, p);
        int hp = h + 2 * p, wp = wd + 2 * p, oh = (hp - k) / s + 1, ow = (wp - k) / s + 1;
        Parallel.For(0, batch * o, () => new float[ow], (bo, _, gathered) =>
        {
            int b = bo / o, oc = bo % o;
            for (int oy = 0; oy < oh; oy++)
            {
                var row = y.AsSpan(((b * o + oc) * oh + oy) * ow, ow);
                row.Fill(bias[oc]);
                for (int ci = 0; ci < c; ci++)
                    for (int ky = 0; ky < k; ky++)
                        for (int kx = 0; kx < k; kx++)
                        {
                            int src = ((b * c + ci) * hp + oy * s + ky) * wp + kx;
                            ReadOnlySpan<float> input = xp.AsSpan(src, ow);
                            if (s != 1)
                            {
                                for (int ox = 0; ox < ow; ox++) gathered[ox] = xp[src + s * ox];
                                input = gathered;
                            }
                            TensorPrimitives.MultiplyAdd(input, w[((oc * c + ci) * k + ky) * k + kx], row, row);
                        }
            }
            return gathered;
        }, _ => { });
    }

    /// <summary>dX of a stride-1 convolution, scattered into a padded buffer per example, then cropped.</summary>
    public static void ConvBackwardInput(float[] dy, float[] w, float[] dx, int batch, int c, int h, int wd, int o, int k, int p)
    {
        int hp = h + 2 * p, wp = wd + 2 * p, oh = hp - k + 1, ow = wp - k + 1;
        Parallel.For(0, batch, b =>
        {
            var dxp = new float[c * hp * wp];
            for (int oc = 0; oc < o; oc++)
                for (int oy = 0; oy < oh; oy++)
                {
                    var g = dy.AsSpan(((b * o + oc) * oh + oy) * ow, ow);
                    for (int ci = 0; ci < c; ci++)
                        for (int ky = 0; ky < k; ky++)
                            for (int kx = 0; kx < k; kx++)
                            {
                                var dst = dxp.AsSpan((ci * hp + oy + ky) * wp + kx, ow);
                                TensorPrimitives.MultiplyAdd(g, w[((oc * c + ci) * k + ky) * k + kx], dst, dst);
                            }
                }
            for (int ci = 0; ci < c; ci++)
                for (int y = 0; y < h; y++)
                    dxp.AsSpan((ci * hp + y + p) * wp + p, wd).CopyTo(dx.AsSpan(((b * c + ci) * h + y) * wd, wd));
        });
    }

    /// <summary>dW and db of a stride-1 convolution as dot products of output-gradient rows with shifted input rows.</summary>
    public static void ConvBackwardWeights(float[] dy, float[] x, float[] dw, float[] db, int batch, int c, int h, int wd, int o, int k, int p)
    {
        var xp = Pad(x, batch, c, h, wd, p);
        int hp = h + 2 * p, wp = wd + 2 * p, oh = hp - k + 1, ow = wp - k + 1;
        Parallel.For(0, o, oc =>
        {
            float sb = 0;
            for (int b = 0; b < batch; b++) sb += TensorPrimitives.Sum(dy.AsSpan((b * o + oc) * oh * ow, oh * ow));
            db[oc] = sb;
            for (int ci = 0; ci < c; ci++)
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++)
                    {
                        float sum = 0;
                        for (int b = 0; b < batch; b++)
                            for (int oy = 0; oy < oh; oy++)
                                sum += TensorPrimitives.Dot(dy.AsSpan(((b * o + oc) * oh + oy) * ow, ow),
                                    xp.AsSpan(((b * c + ci) * hp + oy + ky) * wp + kx, ow));
                        dw[((oc * c + ci) * k + ky) * k + kx] = sum;
                    }
        });
    }
}
