namespace IlgpuBlindSpots.Cli.Commands;

internal static class DevicesCommand
{
    public static int Run(DevicesArguments _, CliConsole console)
    {
        foreach (var d in ComputeDevice.List())
            console.Out.WriteLine($"{d.Id,-20} {d.Name} ({d.MemoryBytes / (1 << 20)} MiB){(d.Unusable != null ? " unusable: " + d.Unusable : "")}");
        // auto chooses by the work's batch (an OpenCL CPU device only for a window of batches): one
        // line for the default batch, then one for a single example and one for a batch of 1,024
        // where the choice differs from the default batch's.
        var (chosen, why) = ComputeDevice.Auto();
        console.Out.WriteLine($"auto picks {chosen}: {why}");
        foreach (var (auto, reason) in new[] { ComputeDevice.Auto(1), ComputeDevice.Auto(1024) })
            if (auto != chosen)
                console.Out.WriteLine($"auto picks {auto}: {reason}");
        return 0;
    }
}
