namespace IlgpuBlindSpots.Network;

/// <summary>The backends a <see cref="ComputeDevice"/> can run on.</summary>
public enum DeviceKind
{
    /// <summary>ILGPU's CPU accelerator: runs kernels as .NET code, needs no GPU.</summary>
    Cpu,
    /// <summary>An NVIDIA GPU through CUDA.</summary>
    Cuda,
    /// <summary>An OpenCL 2.0 device with the generic address space.</summary>
    OpenCL,
}
