using ILGPU;
using ILGPU.Runtime.OpenCL;

namespace IlgpuBlindSpots.Network;

/// <summary>
/// Which device <c>auto</c> opens: CUDA, then an OpenCL GPU, then, between an OpenCL CPU device and
/// ILGPU's CPU accelerator, whichever ran this size of work faster. That last choice is measured,
/// not assumed (<c>Bench attack</c>, Bench/RESULTS.md "The decision"): on a quiet 2-core machine,
/// with each run compiling its kernels as a command does, the CPU accelerator attacked faster at
/// batches 1 and 64 and PoCL 7 at 1024. PoCL runs kernels as vectorised native code but compiles
/// each one (0.1–0.4 s) before its first launch, which small batches do not earn back.
/// </summary>
internal static class AutoChoice
{
    /// <summary>The batch from which an OpenCL CPU device goes before the CPU accelerator.</summary>
    /// <remarks>
    /// The quiet-machine ratio PoCL / CPU accelerator in examples/s was 0.70 at batch 64 and 1.14 at
    /// 1024; interpolated in log₂(batch) it crosses 1 near 420, so from 512 on.
    /// </remarks>
    internal const int OpenClCpuFromBatch = 512;

    /// <summary>The batch assumed when the work does not say: the attack's default batch.</summary>
    internal const int DefaultBatch = 256;

    /// <summary>The figures behind <see cref="OpenClCpuFromBatch"/>.</summary>
    internal const string Figures =
        "Bench attack, fc100-100-10, 2-core AVX-512, quiet: PoCL 7 / CPU accelerator 3.8 / 4.9 examples/s at batch 1, 37.2 / 53.1 at 64, 80.3 / 70.5 at 1024";

    /// <summary>The device string <c>auto</c> stands for with work of <paramref name="batch"/> examples at a time, and the reason.</summary>
    public static (string Id, string Reason) Pick(Context context, int batch)
    {
        var openCl = ComputeDevice.Usable(context, DeviceKind.OpenCL);
        return Choose(ComputeDevice.Usable(context, DeviceKind.Cuda).Count > 0,
            openCl.FindIndex(d => d is CLDevice cl && cl.DeviceType.HasFlag(CLDeviceType.CL_DEVICE_TYPE_GPU)),
            openCl.Count > 0, batch);
    }

    /// <summary>
    /// The rule itself: <paramref name="openClGpu"/> is the index of the first OpenCL GPU (−1: none),
    /// <paramref name="openClCpu"/> whether opencl:0 is a usable OpenCL device that is not a GPU.
    /// </summary>
    public static (string Id, string Reason) Choose(bool cuda, int openClGpu, bool openClCpu, int batch)
    {
        if (cuda)
            return ("cuda:0", "a CUDA GPU comes first");
        if (openClGpu >= 0)
            return ($"opencl:{openClGpu}", "no CUDA GPU; an OpenCL GPU comes next");
        if (!openClCpu)
            return ("cpu:0", "no GPU and no OpenCL device ILGPU can drive: the CPU accelerator");
        return batch >= OpenClCpuFromBatch
            ? ("opencl:0", $"no GPU; at a batch of {batch} (≥ {OpenClCpuFromBatch}) the OpenCL CPU device is faster than the CPU accelerator ({Figures})")
            : ("cpu:0", $"no GPU; at a batch of {batch} (< {OpenClCpuFromBatch}) the CPU accelerator is faster than the OpenCL CPU device ({Figures})");
    }
}
