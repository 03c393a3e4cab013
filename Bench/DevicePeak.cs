using ILGPU.Runtime.Cuda;
using IlgpuBlindSpots.Network;

namespace IlgpuBlindSpots.Bench;

/// <summary>
/// A CUDA device's theoretical fp32 peak (FMA lanes × 2 × clock), the yardstick for the dense
/// kernels' share of the machine; null for other backends, whose drivers do not report lanes.
/// </summary>
internal static class DevicePeak
{
    public static double? Fp32Gflops(ComputeDevice device)
    {
        if (device.Accelerator is not CudaAccelerator cuda) return null;
        var arch = cuda.Architecture;
        int lanes = Fp32LanesPerMultiprocessor(arch.Major, arch.Minor);
        // ClockRate is in kHz.
        return cuda.NumMultiprocessors * (double)lanes * 2.0 * cuda.ClockRate * 1e3 / 1e9;
    }

    /// <summary>FP32 lanes per SM, from NVIDIA's table of compute capabilities.</summary>
    private static int Fp32LanesPerMultiprocessor(int major, int minor) => (major, minor) switch
    {
        (6, 0) => 64,
        (7, _) => 64,
        (8, 0) => 64,
        _ => 128,
    };
}
