namespace IlgpuBlindSpots.Cli.Commands;

/// <summary>
/// The help text of --device for the commands that run on one device. It is one text so that a
/// change to how "auto" chooses is described once, the same in every command's help.
/// </summary>
internal static class DeviceOptionHelp
{
    public const string OneDevice = "auto (CUDA, then an OpenCL GPU, then an OpenCL CPU device or the CPU accelerator by the batch: see blindspots devices), cpu, cuda[:i], opencl[:i].";
}
