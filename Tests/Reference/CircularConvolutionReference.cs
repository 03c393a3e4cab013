namespace IlgpuBlindSpots.Tests.Reference;

/// <summary>
/// Plain float64 stride-1 convolution with CIRCULAR padding on an H×W torus, and its transpose:
/// y[o, p, q] = Σ_{c,ky,kx} W[o, c, ky, kx]·x[c, (p + ky) mod H, (q + kx) mod W];
/// x [C, H, W], W [O, C, KH, KW], y [O, H, W]. The operator whose norm the Fourier formula gives exactly.
/// </summary>
internal sealed record CircularConvolutionReference(int InChannels, int OutChannels, int KernelH, int KernelW, int Height, int Width)
{
    public int InputLength => InChannels * Height * Width;
    public int OutputLength => OutChannels * Height * Width;

    public double[] Forward(double[] w, double[] x)
    {
        var y = new double[OutputLength];
        for (int o = 0; o < OutChannels; o++)
            for (int p = 0; p < Height; p++)
                for (int q = 0; q < Width; q++)
                {
                    double sum = 0;
                    for (int c = 0; c < InChannels; c++)
                        for (int ky = 0; ky < KernelH; ky++)
                            for (int kx = 0; kx < KernelW; kx++)
                                sum += w[Weight(o, c, ky, kx)] * x[Pixel(c, (p + ky) % Height, (q + kx) % Width)];
                    y[(o * Height + p) * Width + q] = sum;
                }
        return y;
    }

    /// <summary>The adjoint: every output scatters back through the taps that produced it.</summary>
    public double[] Transpose(double[] w, double[] y)
    {
        var x = new double[InputLength];
        for (int o = 0; o < OutChannels; o++)
            for (int p = 0; p < Height; p++)
                for (int q = 0; q < Width; q++)
                {
                    double g = y[(o * Height + p) * Width + q];
                    for (int c = 0; c < InChannels; c++)
                        for (int ky = 0; ky < KernelH; ky++)
                            for (int kx = 0; kx < KernelW; kx++)
                                x[Pixel(c, (p + ky) % Height, (q + kx) % Width)] += w[Weight(o, c, ky, kx)] * g;
                }
        return x;
    }

    private int Weight(int o, int c, int ky, int kx) => ((o * InChannels + c) * KernelH + ky) * KernelW + kx;
    private int Pixel(int c, int p, int q) => (c * Height + p) * Width + q;
}
