namespace IlgpuBlindSpots.Tests.Reference;

/// <summary>
/// Plain float64 2-D convolution with PyTorch Conv2d semantics, the definition the Convolution
/// kernels are held to. x [B, C, H, W], W [O, C, KH, KW], b [O], y [B, O, OH, OW]; zero padding.
/// The backward passes scatter from each output to the inputs and weights that produced it, the
/// literal transpose of the forward loop (the kernels gather instead).
/// </summary>
internal sealed record ConvolutionReference(int Batch, int InChannels, int Height, int Width, int OutChannels,
    int KernelH, int KernelW, int StrideH, int StrideW, int PadH, int PadW)
{
    public int OutH => (Height + 2 * PadH - KernelH) / StrideH + 1;
    public int OutW => (Width + 2 * PadW - KernelW) / StrideW + 1;
    public int InputLength => Batch * InChannels * Height * Width;
    public int WeightLength => OutChannels * InChannels * KernelH * KernelW;
    public int OutputLength => Batch * OutChannels * OutH * OutW;

    public double[] Forward(double[] x, double[] w, double[] bias)
    {
        var y = new double[OutputLength];
        for (int b = 0; b < Batch; b++)
            for (int o = 0; o < OutChannels; o++)
                for (int oy = 0; oy < OutH; oy++)
                    for (int ox = 0; ox < OutW; ox++)
                    {
                        double sum = bias[o];
                        ForEachTap(oy, ox, (c, ky, kx, iy, ix) =>
                            sum += w[WeightIndex(o, c, ky, kx)] * x[InputIndex(b, c, iy, ix)]);
                        y[OutputIndex(b, o, oy, ox)] = sum;
                    }
        return y;
    }

    public double[] BackwardInput(double[] dy, double[] w)
    {
        var dx = new double[InputLength];
        ForEachOutput((b, o, oy, ox) => ForEachTap(oy, ox, (c, ky, kx, iy, ix) =>
            dx[InputIndex(b, c, iy, ix)] += dy[OutputIndex(b, o, oy, ox)] * w[WeightIndex(o, c, ky, kx)]));
        return dx;
    }

    public double[] BackwardWeights(double[] dy, double[] x)
    {
        var dw = new double[WeightLength];
        ForEachOutput((b, o, oy, ox) => ForEachTap(oy, ox, (c, ky, kx, iy, ix) =>
            dw[WeightIndex(o, c, ky, kx)] += dy[OutputIndex(b, o, oy, ox)] * x[InputIndex(b, c, iy, ix)]));
        return dw;
    }

    public double[] BackwardBias(double[] dy)
    {
        var db = new double[OutChannels];
        ForEachOutput((b, o, oy, ox) => db[o] += dy[OutputIndex(b, o, oy, ox)]);
        return db;
    }

    private void ForEachOutput(Action<int, int, int, int> body)
    {
        for (int b = 0; b < Batch; b++)
            for (int o = 0; o < OutChannels; o++)
                for (int oy = 0; oy < OutH; oy++)
                    for (int ox = 0; ox < OutW; ox++)
                        body(b, o, oy, ox);
    }

    /// <summary>Every tap of output pixel (oy, ox) that lands inside the image; padded taps contribute zero.</summary>
    private void ForEachTap(int oy, int ox, Action<int, int, int, int, int> body)
    {
        for (int c = 0; c < InChannels; c++)
            for (int ky = 0; ky < KernelH; ky++)
                for (int kx = 0; kx < KernelW; kx++)
                {
                    int iy = oy * StrideH - PadH + ky, ix = ox * StrideW - PadW + kx;
                    if (iy >= 0 && iy < Height && ix >= 0 && ix < Width)
                        body(c, ky, kx, iy, ix);
                }
    }

    private int InputIndex(int b, int c, int iy, int ix) => ((b * InChannels + c) * Height + iy) * Width + ix;
    private int WeightIndex(int o, int c, int ky, int kx) => ((o * InChannels + c) * KernelH + ky) * KernelW + kx;
    private int OutputIndex(int b, int o, int oy, int ox) => ((b * OutChannels + o) * OutH + oy) * OutW + ox;
}
