namespace IlgpuBlindSpots.Tests.Reference;

/// <summary>Float64 references of the graph layers' ops, written from their ONNX definitions, loop by loop.</summary>
internal static class GraphOpsReference
{
    /// <summary>Grouped, dilated convolution: x [B, C, H, W], w [O, C/G, KH, KW], b [O].</summary>
    public static double[] Conv(double[] x, double[] w, double[] b, int batch, int c, int o, int groups, Window2d g)
    {
        int cg = c / groups, og = o / groups;
        var y = new double[batch * o * g.OutH * g.OutW];
        for (int n = 0; n < batch; n++)
            for (int f = 0; f < o; f++)
                for (int oy = 0; oy < g.OutH; oy++)
                    for (int ox = 0; ox < g.OutW; ox++)
                    {
                        double sum = b[f];
                        for (int ci = 0; ci < cg; ci++)
                            for (int ky = 0; ky < g.KernelH; ky++)
                                for (int kx = 0; kx < g.KernelW; kx++)
                                {
                                    int iy = oy * g.StrideH - g.PadTop + ky * g.DilationH, ix = ox * g.StrideW - g.PadLeft + kx * g.DilationW;
                                    if (iy < 0 || iy >= g.Height || ix < 0 || ix >= g.Width) continue;
                                    sum += w[((f * cg + ci) * g.KernelH + ky) * g.KernelW + kx] * x[((n * c + (f / og) * cg + ci) * g.Height + iy) * g.Width + ix];
                                }
                        y[((n * o + f) * g.OutH + oy) * g.OutW + ox] = sum;
                    }
        return y;
    }

    /// <summary>Max or average pooling of P planes; the average divides by the in-image cells, or with countIncludePad by the cells inside the padded image.</summary>
    public static double[] Pool(double[] x, int planes, Window2d g, bool max, bool countIncludePad)
    {
        var y = new double[planes * g.OutH * g.OutW];
        for (int p = 0; p < planes; p++)
            for (int oy = 0; oy < g.OutH; oy++)
                for (int ox = 0; ox < g.OutW; ox++)
                {
                    double best = double.NegativeInfinity, sum = 0;
                    int count = 0;
                    for (int ky = 0; ky < g.KernelH; ky++)
                        for (int kx = 0; kx < g.KernelW; kx++)
                        {
                            int iy = oy * g.StrideH - g.PadTop + ky * g.DilationH, ix = ox * g.StrideW - g.PadLeft + kx * g.DilationW;
                            bool inside = iy >= 0 && iy < g.Height && ix >= 0 && ix < g.Width;
                            bool padded = iy >= -g.PadTop && iy < g.Height + g.PadBottom && ix >= -g.PadLeft && ix < g.Width + g.PadRight;
                            if (countIncludePad ? padded : inside) count++;
                            if (!inside) continue;
                            double v = x[(p * g.Height + iy) * g.Width + ix];
                            best = Math.Max(best, v);
                            sum += v;
                        }
                    y[(p * g.OutH + oy) * g.OutW + ox] = max ? best : sum / count;
                }
        return y;
    }

    /// <summary>a op b with NumPy broadcasting (op: Add, Sub, Mul, Div).</summary>
    public static double[] Broadcast(double[] a, int[] aShape, double[] b, int[] bShape, string op, out int[] shape)
    {
        int r = Math.Max(aShape.Length, bShape.Length);
        int[] pa = [.. Enumerable.Repeat(1, r - aShape.Length), .. aShape], pb = [.. Enumerable.Repeat(1, r - bShape.Length), .. bShape];
        shape = pa.Zip(pb, Math.Max).ToArray();
        var y = new double[shape.Aggregate(1, (p, q) => p * q)];
        for (int i = 0; i < y.Length; i++)
        {
            int rest = i, ia = 0, ib = 0, sa = 1, sb = 1;
            for (int d = r - 1; d >= 0; d--)
            {
                int c = rest % shape[d];
                rest /= shape[d];
                ia += (pa[d] == 1 ? 0 : c) * sa;
                ib += (pb[d] == 1 ? 0 : c) * sb;
                sa *= pa[d];
                sb *= pb[d];
            }
            y[i] = op switch { "Add" => a[ia] + b[ib], "Sub" => a[ia] - b[ib], "Mul" => a[ia] * b[ib], _ => a[ia] / b[ib] };
        }
        return y;
    }

    /// <summary>Constant padding of the last two axes of P planes.</summary>
    public static double[] Pad(double[] x, int planes, int h, int w, int top, int left, int bottom, int right, double value)
    {
        int oh = h + top + bottom, ow = w + left + right;
        var y = new double[planes * oh * ow];
        for (int p = 0; p < planes; p++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                {
                    int iy = i - top, ix = j - left;
                    y[(p * oh + i) * ow + j] = iy >= 0 && iy < h && ix >= 0 && ix < w ? x[(p * h + iy) * w + ix] : value;
                }
        return y;
    }

    /// <summary>The element-wise op of a <see cref="PointwiseOp"/> code, from its ONNX definition.</summary>
    public static double Pointwise(double v, int op, double a, double b) => op switch
    {
        PointwiseOp.Clip => Math.Min(Math.Max(v, a), b),
        PointwiseOp.LeakyRelu => v < 0 ? a * v : v,
        PointwiseOp.Elu => v < 0 ? a * (Math.Exp(v) - 1) : v,
        PointwiseOp.HardSigmoid => Math.Max(0, Math.Min(1, a * v + b)),
        PointwiseOp.Neg => -v,
        PointwiseOp.Abs => Math.Abs(v),
        PointwiseOp.Exp => Math.Exp(v),
        PointwiseOp.Softplus => Math.Log(1 + Math.Exp(v)),
        PointwiseOp.Selu => v <= 0 ? b * a * (Math.Exp(v) - 1) : b * v,
        PointwiseOp.Softsign => v / (1 + Math.Abs(v)),
        PointwiseOp.HardSwish => v * Math.Max(0, Math.Min(1, v / 6 + 0.5)),
        PointwiseOp.Reciprocal => 1 / v,
        PointwiseOp.Sqrt => Math.Sqrt(v),
        PointwiseOp.Log => Math.Log(v),
        PointwiseOp.Floor => Math.Floor(v),
        PointwiseOp.Ceil => Math.Ceiling(v),
        PointwiseOp.ThresholdedRelu => v > a ? v : 0,
        PointwiseOp.Celu => Math.Max(0, v) + Math.Min(0, a * (Math.Exp(v / a) - 1)),
        PointwiseOp.Sinh => Math.Sinh(v),
        PointwiseOp.Cosh => Math.Cosh(v),
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    /// <summary>Softmax or log-softmax of each row of n values.</summary>
    public static double[] Softmax(double[] x, int n, bool log)
    {
        var y = new double[x.Length];
        for (int r = 0; r < x.Length / n; r++)
        {
            var row = x.Skip(r * n).Take(n).ToArray();
            double max = row.Max(), sum = row.Sum(v => Math.Exp(v - max));
            for (int k = 0; k < n; k++) y[r * n + k] = log ? row[k] - max - Math.Log(sum) : Math.Exp(row[k] - max) / sum;
        }
        return y;
    }
}
