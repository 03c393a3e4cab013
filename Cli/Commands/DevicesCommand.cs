using IlgpuBlindSpots.Network;

namespace IlgpuBlindSpots.Cli.Commands;

internal static class DevicesCommand
{
    public static int Run(DevicesOptions _, CliConsole console)
    {
        foreach (var d in Device.List())
            console.Out.WriteLine($"{d.Id,-20} {d.Name} ({d.MemoryBytes / (1 << 20)} MiB){(d.Unusable != null ? " unusable: " + d.Unusable : "")}");
        // auto may choose by the work's batch (an OpenCL CPU device only for large batches): one
        // line for the default batch, and one for a single example when that choice differs.
        var (auto, reason) = Device.Auto();
        console.Out.WriteLine($"auto picks {auto}: {reason}");
        var (single, singleReason) = Device.Auto(1);
        if (single != auto)
            console.Out.WriteLine($"auto picks {single}: {singleReason}");
        return 0;
    }
}
