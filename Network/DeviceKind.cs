namespace IlgpuBlindSpots.Network;

/// <summary>The backends a <see cref="Device"/> can run on.</summary>
public enum DeviceKind
{
    Cpu,
    Cuda,
    OpenCL,
}
