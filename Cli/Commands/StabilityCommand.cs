using System.Text;
using IlgpuBlindSpots.Network;
using IlgpuBlindSpots.Network.Data;
using IlgpuBlindSpots.Optimizer.Analysis;

namespace IlgpuBlindSpots.Cli.Commands;

/// <summary><c>stability</c>: the paper's Table 5 for one model: per-layer upper Lipschitz bounds and their product.</summary>
internal static class StabilityCommand
{
    public static int Run(StabilityOptions o, CliConsole console)
    {
        if (!File.Exists(o.Model)) throw new BlindSpotsException($"--model {o.Model}: no such file");
        var options = new PowerIterationOptions { Tolerance = o.Tolerance };
        options.Validate();
        using var device = Device.Open(o.Device);
        using var model = ModelArgument.Load(device, o.Model, console.Error);
        var table = LipschitzBounds.Compute(model, options);
        string markdown = $"# Upper Lipschitz bounds of {Path.GetFileName(o.Model)}\n\n`{model.Architecture}` on {string.Join("×", model.InputShape)}, {device.Description}\n\n" + table.ToMarkdown();
        console.Out.WriteLine(markdown);
        if (o.Out != null)
            AtomicFile.Write(o.Out, s =>
            {
                using var w = new StreamWriter(s, new UTF8Encoding(false), leaveOpen: true);
                w.Write(markdown);
            });
        return 0;
    }
}
