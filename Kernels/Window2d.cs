namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// Geometry of a sliding 2-D window over planes of H×W values (pooling and grouped convolution):
/// kernel, strides, dilations, padding on each side, and the output size, which the caller computes
/// (floor or ceil mode, explicit or automatic padding) so the kernels need not know how.
/// Tap (ky, kx) of output (oy, ox) reads input (oy·StrideH − PadTop + ky·DilationH, ox·StrideW − PadLeft + kx·DilationW).
/// </summary>
public readonly struct Window2d
{
    /// <summary>Input rows.</summary>
    public readonly int Height;
    /// <summary>Input columns.</summary>
    public readonly int Width;
    /// <summary>Window rows.</summary>
    public readonly int KernelH;
    /// <summary>Window columns.</summary>
    public readonly int KernelW;
    /// <summary>Vertical stride.</summary>
    public readonly int StrideH;
    /// <summary>Horizontal stride.</summary>
    public readonly int StrideW;
    /// <summary>Vertical distance between taps.</summary>
    public readonly int DilationH;
    /// <summary>Horizontal distance between taps.</summary>
    public readonly int DilationW;
    /// <summary>Padding above.</summary>
    public readonly int PadTop;
    /// <summary>Padding on the left.</summary>
    public readonly int PadLeft;
    /// <summary>Padding below.</summary>
    public readonly int PadBottom;
    /// <summary>Padding on the right.</summary>
    public readonly int PadRight;
    /// <summary>Output rows.</summary>
    public readonly int OutH;
    /// <summary>Output columns.</summary>
    public readonly int OutW;

    /// <summary>A window geometry; the output size is the caller's (see <see cref="OutputSize"/>).</summary>
    public Window2d(int height, int width, int kernelH, int kernelW, int strideH, int strideW,
        int dilationH, int dilationW, int padTop, int padLeft, int padBottom, int padRight, int outH, int outW)
    {
        Height = height;
        Width = width;
        KernelH = kernelH;
        KernelW = kernelW;
        StrideH = strideH;
        StrideW = strideW;
        DilationH = dilationH;
        DilationW = dilationW;
        PadTop = padTop;
        PadLeft = padLeft;
        PadBottom = padBottom;
        PadRight = padRight;
        OutH = outH;
        OutW = outW;
    }

    /// <summary>Output size along one axis: floor (or ceil) of (padded − dilated kernel)/stride + 1, ceil windows starting in the padding dropped as ONNX and PyTorch do.</summary>
    public static int OutputSize(int size, int kernel, int stride, int dilation, int padBegin, int padEnd, bool ceil)
    {
        int span = dilation * (kernel - 1) + 1;
        int room = size + padBegin + padEnd - span;
        if (room < 0) return 0;
        int n = (ceil ? (room + stride - 1) / stride : room / stride) + 1;
        if (ceil && (n - 1) * stride >= size + padBegin) n--;
        return n;
    }
}
