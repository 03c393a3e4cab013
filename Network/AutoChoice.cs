using ILGPU;
using ILGPU.Runtime.OpenCL;

namespace IlgpuBlindSpots.Network;

/// <summary>
/// Which device <c>auto</c> opens: CUDA, then an OpenCL GPU, then an OpenCL CPU device, then ILGPU's
/// CPU accelerator. The order of the last two is measured, not assumed: on a 2-core AVX-512 machine
/// PoCL 7's OpenCL CPU device ran the benchmarked kernels and the attack faster than the CPU
/// accelerator (Bench/RESULTS.md, "OpenCL beside the CPU accelerator"): PoCL compiles kernels to
/// vectorised native code, the CPU accelerator runs them as scalar .NET code.
/// </summary>
internal static class AutoChoice
{
    /// <summary>Why an OpenCL CPU device goes before the CPU accelerator, with the figures that decided it.</summary>
    internal const string OpenClCpuReason =
        "an OpenCL CPU device (PoCL 7) ran the attack on 1,000 digits with 1.45× less CPU time than the CPU accelerator and its kernels 2–25× faster (Bench/RESULTS.md)";

    /// <summary>The device string <c>auto</c> stands for, and the reason.</summary>
    public static (string Id, string Reason) Pick(Context context)
    {
        if (Device.Usable(context, DeviceKind.Cuda).Count > 0)
            return ("cuda:0", "a CUDA GPU comes first");
        var openCl = Device.Usable(context, DeviceKind.OpenCL);
        int gpu = openCl.FindIndex(d => d is CLDevice cl && cl.DeviceType.HasFlag(CLDeviceType.CL_DEVICE_TYPE_GPU));
        if (gpu >= 0)
            return ($"opencl:{gpu}", "no CUDA GPU; an OpenCL GPU comes next");
        if (openCl.Count > 0)
            return ("opencl:0", $"no GPU; {OpenClCpuReason}");
        return ("cpu:0", "no GPU and no OpenCL device ILGPU can drive: the CPU accelerator");
    }
}
