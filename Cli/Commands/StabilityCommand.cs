using System.Text;
using IlgpuBlindSpots.Network.Models;
using IlgpuBlindSpots.Optimizer.Analysis;

namespace IlgpuBlindSpots.Cli.Commands;

/// <summary>
/// <c>stability</c>: the paper's Table 5 for one model: per-layer upper Lipschitz bounds and their
/// product. The model is a file, or an architecture spec with seeded random weights (the paper's
/// Table 5 is for AlexNet, whose trained weights are not part of this project).
/// </summary>
internal static class StabilityCommand
{
    public static int Run(StabilityArguments o, CliConsole console)
    {
        if ((o.Model == null) == (o.Arch == null))
            throw new BlindSpotsException("give either --model (a model file) or --arch (a spec with random weights)");
        if (o.Model != null && !File.Exists(o.Model)) throw new BlindSpotsException($"--model {o.Model}: no such file");
        int[]? input = o.Arch != null ? ParseInput(o.Input) : null;
        if (o.Out != null) OutputPath.CheckFile("--out", o.Out);
        var options = new PowerIterationOptions { Tolerance = o.Tolerance };
        options.Validate();
        using var device = ComputeDevice.Open(o.Device);
        using Model loaded = o.Model != null ? ModelArgument.Load(device, o.Model, console.Error) : SequentialModel.Create(device, o.Arch!, input!);
        var model = loaded.AsChain("stability (per-layer Lipschitz bounds)");
        string name = o.Model != null ? Path.GetFileName(o.Model) : string.Create(CultureInfo.InvariantCulture, $"random weights (seed {o.Seed})");
        if (o.Model == null) model.Initialize(o.Seed);
        var table = LipschitzBounds.Compute(model, options);
        string markdown = $"# Upper Lipschitz bounds of {name}\n\n`{model.Architecture}` on {string.Join("×", model.InputShape)}, {device.Description}\n\n" + table.ToMarkdown();
        console.Out.WriteLine(markdown);
        if (o.Out != null)
            AtomicFile.Write(o.Out, s =>
            {
                using var w = new StreamWriter(s, new UTF8Encoding(false), leaveOpen: true);
                w.Write(markdown);
            });
        return 0;
    }

    private static int[] ParseInput(string input)
    {
        var parts = input.Split('x');
        var shape = new int[parts.Length];
        bool valid = parts.Length == 3;
        for (int i = 0; i < parts.Length && valid; i++)
            valid = int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out shape[i]) && shape[i] > 0;
        return valid ? shape : throw new BlindSpotsException($"--input '{input}': expected CxHxW with positive sizes, e.g. 3x224x224");
    }
}
