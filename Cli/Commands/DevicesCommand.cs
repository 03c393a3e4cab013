namespace IlgpuBlindSpots.Cli.Commands;

internal static class DevicesCommand
{
    public static int Run(DevicesOptions _, CliConsole console)
    {
        foreach (var d in Device.List())
            console.Out.WriteLine($"{d.Id,-20} {d.Name} ({d.MemoryBytes / (1 << 20)} MiB){(d.Unusable != null ? " unusable: " + d.Unusable : "")}");
        var (auto, reason) = Device.Auto();
        console.Out.WriteLine($"auto picks {auto}: {reason}");
        return 0;
    }
}
