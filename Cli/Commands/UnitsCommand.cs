using System.Security.Cryptography;
using IlgpuBlindSpots.Cli.UnitRuns;
using IlgpuBlindSpots.Optimizer.Units;

namespace IlgpuBlindSpots.Cli.Commands;

/// <summary>
/// <c>units</c>: section 3 of the paper for one layer: the top images of natural and random
/// directions of its activation space, how coherent they are, and whether the two kinds differ.
/// Everything is checked before anything is written.
/// </summary>
internal static class UnitsCommand
{
    public static int Run(UnitsArguments o, CliConsole console)
    {
        if (string.IsNullOrWhiteSpace(o.Out)) throw new BlindSpotsException("--out is required: the folder for the report and grids");
        if (o.Grid < 1) throw new BlindSpotsException($"--grid must be at least 1, got {o.Grid}");
        ExampleSource.CheckSplit(o.Split);
        if (!File.Exists(o.Model)) throw new BlindSpotsException($"--model {o.Model}: no such file");
        OutputPath.CheckFolder("--out", o.Out);

        using var device = ComputeDevice.Open(o.Device, o.Batch);
        using var loaded = ModelArgument.Load(device, o.Model, console.Error);
        var model = loaded.AsChain("units");
        var examples = ExampleSource.LoadLabelled(o, model.InputShape, model.Classes, "units");
        var data = examples.Set;
        var options = new UnitAnalysisOptions { Directions = o.Directions, Top = o.Top, Seed = o.Seed, BatchSize = o.Batch };
        options.Validate(data.Count);
        var layer = UnitLayer.Resolve(model, o.Layer);
        console.Error.WriteLine($"units: {Path.GetFileName(o.Model)} layer {layer.Position} ({layer.Spec}, {layer.Units} units) on {data.Count} images, {device.Description}");
        var result = UnitAnalysis.Run(model, data, layer, options, line =>
        {
            console.Error.WriteLine(line);
            console.Error.Flush();
        });

        console.Error.WriteLine($"writing {o.Out}");
        Directory.CreateDirectory(o.Out);
        int naturalShown = UnitGrids.Write(Path.Combine(o.Out, UnitsReport.NaturalGrid), result.Natural, data, o.Grid);
        int randomShown = UnitGrids.Write(Path.Combine(o.Out, UnitsReport.RandomGrid), result.Random, data, o.Grid);
        UnitsReport.Write(o.Out, result, Describe(o, console, examples, device), examples.Start, (naturalShown, randomShown));

        var inv = CultureInfo.InvariantCulture;
        console.Out.WriteLine(string.Create(inv,
            $"layer {layer.Position} ({layer.Spec}): purity natural {UnitsReport.Interval(result.Purity.Natural)}, random {UnitsReport.Interval(result.Purity.Random)}, p = {result.Purity.Welch.P:G3} (Welch), {result.Purity.PermutationP:G3} (permutation); ") +
            string.Create(inv,
            $"similarity natural {UnitsReport.Interval(result.Similarity.Natural)}, random {UnitsReport.Interval(result.Similarity.Random)}, p = {result.Similarity.Welch.P:G3} (Welch), {result.Similarity.PermutationP:G3} (permutation); ") +
            string.Create(inv,
            $"centred similarity natural {UnitsReport.Interval(result.CenteredSimilarity.Natural)}, random {UnitsReport.Interval(result.CenteredSimilarity.Random)}, p = {result.CenteredSimilarity.Welch.P:G3} (Welch), {result.CenteredSimilarity.PermutationP:G3} (permutation); report in {Path.Combine(o.Out, UnitsReport.MarkdownFile)}"));
        return 0;
    }

    private static Dictionary<string, string> Describe(UnitsArguments o, CliConsole console, ExampleSource.Examples examples, ComputeDevice device)
    {
        using var stream = File.OpenRead(o.Model);
        var inv = CultureInfo.InvariantCulture;
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["command"] = console.CommandLine,
            ["model"] = Path.GetFileName(o.Model),
            ["model_sha256"] = Convert.ToHexStringLower(SHA256.HashData(stream)),
            ["data"] = $"{examples.Description} ({examples.Set.Count} images)",
            ["seed"] = o.Seed.ToString(inv),
            ["device"] = device.Id,
        };
    }
}
