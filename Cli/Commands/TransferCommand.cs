using IlgpuBlindSpots.Cli.Transfer;

namespace IlgpuBlindSpots.Cli.Commands;

/// <summary>
/// <c>transfer</c>: the error rates adversarial sets (attack outputs) induce on models, with the
/// paper's Gaussian-noise baselines and amplified rows (its Tables 2 and 4).
/// </summary>
internal static class TransferCommand
{
    public static int Run(TransferArguments o, CliConsole console)
    {
        if (string.IsNullOrWhiteSpace(o.Out)) throw new BlindSpotsException("--out is required: the folder for the tables");
        OutputPath.CheckFolder("--out", o.Out);
        if (o.Batch < 1) throw new BlindSpotsException($"--batch must be a positive integer, got {o.Batch}");
        var noise = ParseList(o.Noise, "--noise");
        double? amplify = o.Amplify == null ? null : ParseList(o.Amplify, "--amplify") is [var a] ? a
            : throw new BlindSpotsException($"--amplify '{o.Amplify}': expected one distortion, e.g. 0.1");
        if (amplify is <= 0) throw new BlindSpotsException($"--amplify '{o.Amplify}': the distortion must be positive");
        using var device = ComputeDevice.Open(o.Device, o.Batch);
        var matrix = TransferExperiment.Run(device, o.Sets.ToList(), o.Models.ToList(), amplify, noise, o.Seed, o.Batch, console.Error);
        TransferTables.Write(o.Out, matrix, o.Title);
        console.Out.Write(TransferTables.Markdown(matrix, null));
        console.Out.WriteLine($"written: {Path.Combine(o.Out, TransferTables.MarkdownFile)}, {TransferTables.CsvFile}, {TransferTables.JsonFile}, {TransferTables.HeatMapFile}");
        return 0;
    }

    private static double[] ParseList(string? text, string option) =>
        string.IsNullOrWhiteSpace(text) ? [] : text.Split(',', StringSplitOptions.TrimEntries).Select(s =>
            double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v >= 0 && double.IsFinite(v) ? v
                : throw new BlindSpotsException($"{option} '{text}': expected non-negative numbers, comma-separated")).ToArray();
}
