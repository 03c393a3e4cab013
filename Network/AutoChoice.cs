using ILGPU;
using ILGPU.Runtime.OpenCL;

namespace IlgpuBlindSpots.Network;

/// <summary>
/// Which device <c>auto</c> opens: CUDA, then an OpenCL GPU, then, between an OpenCL CPU device and
/// ILGPU's CPU accelerator, whichever ran this size of work faster. That last choice is measured,
/// not assumed (<c>Bench attack</c>, Bench/RESULTS.md "The decision"): on a quiet 2-core machine,
/// three runs, the OpenCL CPU device (PoCL 7) attacked 1.25–1.5× faster at batches 16 to 256, even
/// at 512, and slower at 1,024 (where the CPU accelerator's register-tiled dense products pull
/// ahead) and at batch 1 (where compiling each kernel before its first launch is not earned back).
/// </summary>
internal static class AutoChoice
{
    /// <summary>The smallest batch for which an OpenCL CPU device goes before the CPU accelerator.</summary>
    internal const int OpenClCpuFromBatch = 16;

    /// <summary>The batch from which the CPU accelerator is back in front (PoCL even at 512, behind at 1,024).</summary>
    internal const int OpenClCpuBelowBatch = 512;

    /// <summary>The batch assumed when the work does not say: the attack's default batch on an OpenCL CPU device.</summary>
    internal const int DefaultBatch = OpenClCpuBatch;

    /// <summary>
    /// The batch the attack takes on an OpenCL CPU device when none is named: its fastest measured
    /// (138.6 examples/s at 256 against 114.6 at 64 and 97.0 at 512), inside the window where auto
    /// picks it.
    /// </summary>
    internal const int OpenClCpuBatch = 256;

    /// <summary>
    /// The batch the attack takes on the CPU accelerator when none is named: its fastest measured
    /// (111.4 and 119.8 examples/s at 1,024 against 101.8 at 256 and 97.4 at 512), outside the
    /// window, where auto picks it.
    /// </summary>
    internal const int CpuAcceleratorBatch = 1024;

    /// <summary>The figures behind <see cref="OpenClCpuFromBatch"/> and <see cref="OpenClCpuBelowBatch"/>.</summary>
    internal const string Figures =
        "Bench attack, fc100-100-10, 2-core AVX-512, quiet: PoCL 7 / CPU accelerator examples/s 2.0 / 4.7 at batch 1, 47.8 / 33.2 at 16, 114.6 / 74.7 at 64, 138.6 / 101.8 at 256, 97.0 / 97.4 at 512, 90.6 / 119.8 at 1024";

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
        return batch >= OpenClCpuFromBatch && batch < OpenClCpuBelowBatch
            ? ("opencl:0", $"no GPU; at a batch of {batch} (from {OpenClCpuFromBatch} below {OpenClCpuBelowBatch}) the OpenCL CPU device is faster than the CPU accelerator ({Figures})")
            : ("cpu:0", $"no GPU; at a batch of {batch} (outside {OpenClCpuFromBatch} to {OpenClCpuBelowBatch - 1}) the CPU accelerator is faster than the OpenCL CPU device ({Figures})");
    }
}
