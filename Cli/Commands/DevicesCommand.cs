namespace IlgpuBlindSpots.Cli.Commands;

internal static class DevicesCommand
{
    public static int Run(DevicesArguments _, CliConsole console)
    {
        foreach (var d in ComputeDevice.List())
            console.Out.WriteLine($"{d.Id,-20} {d.Name} ({d.MemoryBytes / (1 << 20)} MiB){(d.Unusable != null ? " unusable: " + d.Unusable : "")}");
        // auto may choose by the work's batch (an OpenCL CPU device only for large batches): one
        // line for the default batch, then one for a single example and one for a batch of 1,024
        // where the choice differs from those before.
        var seen = new HashSet<string>();
        foreach (var (auto, reason) in new[] { ComputeDevice.Auto(), ComputeDevice.Auto(1), ComputeDevice.Auto(1024) })
            if (seen.Add(auto))
                console.Out.WriteLine($"auto picks {auto}: {reason}");
        return 0;
    }
}
