namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// The shape of one 2-D convolution, NCHW as PyTorch's Conv2d lays it out: input x [Batch,
/// InChannels, Height, Width], weights W [OutChannels, InChannels, KernelH, KernelW], output
/// y [Batch, OutChannels, OutH, OutW] with <c>OutH = (Height + 2·PadH − KernelH) / StrideH + 1</c>
/// (likewise for the width). Padding is zero padding on both sides.
/// </summary>
/// <remarks>
/// A struct of ints because a convolution kernel needs more shape numbers than ILGPU's 14 kernel
/// parameters leave room for beside its buffers; structs of plain ints are valid kernel parameters
/// on every backend. The constructor does not validate: the layer building a shape checks it.
/// </remarks>
public readonly struct ConvShape
{
    public readonly int Batch;
    public readonly int InChannels;
    public readonly int Height;
    public readonly int Width;
    public readonly int OutChannels;
    public readonly int KernelH;
    public readonly int KernelW;
    public readonly int StrideH;
    public readonly int StrideW;
    public readonly int PadH;
    public readonly int PadW;
    public readonly int OutH;
    public readonly int OutW;

    public ConvShape(int batch, int inChannels, int height, int width, int outChannels,
        int kernelH, int kernelW, int strideH, int strideW, int padH, int padW)
    {
        Batch = batch;
        InChannels = inChannels;
        Height = height;
        Width = width;
        OutChannels = outChannels;
        KernelH = kernelH;
        KernelW = kernelW;
        StrideH = strideH;
        StrideW = strideW;
        PadH = padH;
        PadW = padW;
        OutH = (height + 2 * padH - kernelH) / strideH + 1;
        OutW = (width + 2 * padW - kernelW) / strideW + 1;
    }

    /// <summary>Multiply-adds of one forward pass (each is two floating-point operations).</summary>
    public long MultiplyAdds => (long)Batch * OutChannels * OutH * OutW * InChannels * KernelH * KernelW;
}
