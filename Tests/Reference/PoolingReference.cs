namespace IlgpuBlindSpots.Tests.Reference;

/// <summary>
/// Plain float64 2-D max-pooling with PyTorch MaxPool2d semantics (floor mode): x [B, C, H, W] →
/// y [B, C, OH, OW], OH = (H + 2·PadH − KernelH)/StrideH + 1. Padded cells count as −∞, the first
/// maximum in row-major window order wins ties, a NaN wins over every number. The arg-max is the
/// flat index into x.
/// </summary>
internal sealed record PoolingReference(int Batch, int Channels, int Height, int Width,
    int KernelH, int KernelW, int StrideH, int StrideW, int PadH, int PadW)
{
    public int OutH => (Height + 2 * PadH - KernelH) / StrideH + 1;
    public int OutW => (Width + 2 * PadW - KernelW) / StrideW + 1;
    public int InputLength => Batch * Channels * Height * Width;
    public int OutputLength => Batch * Channels * OutH * OutW;

    public (double[] Y, int[] ArgMax) Forward(double[] x)
    {
        var y = new double[OutputLength];
        var arg = new int[OutputLength];
        for (int p = 0; p < Batch * Channels; p++)
            for (int oy = 0; oy < OutH; oy++)
                for (int ox = 0; ox < OutW; ox++)
                {
                    double best = double.NegativeInfinity;
                    int bestAt = -1;
                    for (int ky = 0; ky < KernelH; ky++)
                        for (int kx = 0; kx < KernelW; kx++)
                        {
                            int iy = oy * StrideH - PadH + ky, ix = ox * StrideW - PadW + kx;
                            if (iy < 0 || iy >= Height || ix < 0 || ix >= Width) continue;
                            int at = (p * Height + iy) * Width + ix;
                            if (bestAt < 0 || x[at] > best || double.IsNaN(x[at]) && !double.IsNaN(best))
                            {
                                best = x[at];
                                bestAt = at;
                            }
                        }
                    int o = (p * OutH + oy) * OutW + ox;
                    y[o] = best;
                    arg[o] = bestAt;
                }
        return (y, arg);
    }

    /// <summary>dX: each output's gradient added onto the input cell that won its window.</summary>
    public double[] Backward(double[] dy, int[] argMax)
    {
        var dx = new double[InputLength];
        for (int o = 0; o < OutputLength; o++) dx[argMax[o]] += dy[o];
        return dx;
    }
}
