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
    /// <summary>N: images in the batch.</summary>
    public readonly int Batch;
    /// <summary>C: channels of each input image.</summary>
    public readonly int InChannels;
    /// <summary>H: input height in pixels, before padding.</summary>
    public readonly int Height;
    /// <summary>W: input width in pixels, before padding.</summary>
    public readonly int Width;
    /// <summary>O: filters, and so channels of the output.</summary>
    public readonly int OutChannels;
    /// <summary>Filter height.</summary>
    public readonly int KernelH;
    /// <summary>Filter width.</summary>
    public readonly int KernelW;
    /// <summary>Vertical step between neighbouring output positions, in input pixels.</summary>
    public readonly int StrideH;
    /// <summary>Horizontal step between neighbouring output positions, in input pixels.</summary>
    public readonly int StrideW;
    /// <summary>Zero rows added above and below the input.</summary>
    public readonly int PadH;
    /// <summary>Zero columns added left and right of the input.</summary>
    public readonly int PadW;
    /// <summary>Output height, (Height + 2·PadH − KernelH) / StrideH + 1.</summary>
    public readonly int OutH;
    /// <summary>Output width, (Width + 2·PadW − KernelW) / StrideW + 1.</summary>
    public readonly int OutW;

    /// <summary>A shape from its sizes; <see cref="OutH"/> and <see cref="OutW"/> are derived. Nothing is validated.</summary>
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
