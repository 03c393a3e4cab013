using System.Diagnostics;
using System.Text.Json;
using IlgpuBlindSpots.Network;
using IlgpuBlindSpots.Network.Data;
using IlgpuBlindSpots.Network.ModelFiles;
using IlgpuBlindSpots.Network.Models;
using IlgpuBlindSpots.Optimizer.Attacks;
using Spectre.Console;

namespace IlgpuBlindSpots.Bench;

/// <summary>
/// `attack`: examples/s of the full minimal-perturbation search (L-BFGS attack with its c-search,
/// target (y+1) mod 10) on a model (fc100-100-10 by default) and the first MNIST test digits, at
/// batch 1, 64 and 1024 unless <c>--runs</c> says otherwise, wall time from opening the device to
/// the last result; with evaluations per example and mean distortion. Each device first attacks one
/// digit, untimed but reported: that run compiles the kernels (an OpenCL driver compiles each to
/// native code, 0.1–0.4 s apiece), which a process pays once per device, not once per batch.
/// </summary>
internal static class AttackBench
{
    public sealed record Row(int Batch, int Examples, double Seconds, double ExamplesPerSecond, double SuccessRate,
        double MeanDistortion, double EvaluationsPerExample);

    /// <summary>Parses <c>BATCH:EXAMPLES[,BATCH:EXAMPLES…]</c>; null when malformed.</summary>
    public static (int Batch, int Examples)[]? ParseRuns(string text)
    {
        var runs = new List<(int, int)>();
        foreach (var part in text.Split(','))
        {
            var pair = part.Split(':');
            if (pair.Length != 2 || !int.TryParse(pair[0], out int batch) || !int.TryParse(pair[1], out int examples)
                || batch <= 0 || examples <= 0 || examples > 10_000)
                return null;
            runs.Add((batch, examples));
        }
        return runs.ToArray();
    }

    /// <summary>Every device given, one after the other, printed side by side per batch size.</summary>
    public static int Run(IReadOnlyList<string> deviceSpecs, string modelPath, string dataRoot, string jsonPath, (int Batch, int Examples)[] runs)
    {
        var test = Directory.Exists(Path.Combine(dataRoot, "mnist"))
            ? Dataset.Load("mnist", DatasetSplit.Test, dataRoot)
            : Dataset.Load("sample", DatasetSplit.Test, dataRoot);
        var tooMany = runs.FirstOrDefault(r => r.Examples > test.Labels.Length);
        if (tooMany.Examples > 0)
        {
            Console.Error.WriteLine($"--runs: {tooMany.Examples} examples asked, {test.Source} has {test.Labels.Length}");
            return 2;
        }
        var measured = deviceSpecs.Select(spec => Measure(spec, modelPath, test, runs)).ToList();
        foreach (var (d, first, _) in measured)
            AnsiConsole.MarkupLine($"{Markup.Escape(d)}: the first digit, kernels compiled, took {first:F1} s");
        var table = new Table().AddColumns("batch", "examples");
        foreach (var (d, _, _) in measured)
            table.AddColumns($"{Markup.Escape(d.Split(' ')[0])} s", "examples/s", "success", "mean distortion", "evals / example");
        for (int i = 0; i < measured[0].Rows.Count; i++)
        {
            var cells = new List<string> { $"{measured[0].Rows[i].Batch}", $"{measured[0].Rows[i].Examples}" };
            foreach (var (_, _, rows) in measured)
            {
                var row = rows[i];
                cells.AddRange([$"{row.Seconds:F1}", $"{row.ExamplesPerSecond:F1}", $"{100 * row.SuccessRate:F1}%",
                    $"{row.MeanDistortion:F4}", $"{row.EvaluationsPerExample:F1}"]);
            }
            table.AddRow(cells.ToArray());
        }
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 200;
        AnsiConsole.MarkupLine($"[bold]attack[/] {Markup.Escape(modelPath)} on {Markup.Escape(test.Source)}; " +
            string.Join(", ", measured.Select(r => Markup.Escape(r.Device))));
        AnsiConsole.Write(table);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(jsonPath))!);
        File.WriteAllText(jsonPath, JsonSerializer.Serialize(new
        {
            model = modelPath, data = test.Source, date = DateTime.UtcNow.ToString("u"),
            devices = measured.Select(r => new { device = r.Device, firstDigitSeconds = r.FirstDigitSeconds, rows = r.Rows }),
        }, new JsonSerializerOptions { WriteIndented = true }));
        AnsiConsole.MarkupLine($"wrote {Markup.Escape(jsonPath)}");
        return 0;
    }

    private static (string Device, double FirstDigitSeconds, List<Row> Rows) Measure(string deviceSpec, string modelPath, Dataset test, (int Batch, int Examples)[] runs)
    {
        var rows = new List<Row>();
        var first = Stopwatch.StartNew();
        string description;
        // The device, once disposed, keeps its compiled kernels for the next open in this process.
        using (var device = Device.Open(deviceSpec))
        {
            description = device.Description;
            using var model = ModelFile.Load(device, modelPath);
            Attack(device, model, test, batch: 1, examples: 1);
        }
        double firstSeconds = first.Elapsed.TotalSeconds;
        foreach (var (batch, examples) in runs)
        {
            var clock = Stopwatch.StartNew();
            using var device = Device.Open(deviceSpec);
            using var model = ModelFile.Load(device, modelPath);
            var results = Attack(device, model, test, batch, examples);
            double seconds = clock.Elapsed.TotalSeconds;
            var attacked = results.Where(r => !r.AlreadyMisclassified).ToList();
            var won = attacked.Where(r => r.Success).ToList();
            rows.Add(new Row(batch, examples, seconds, examples / seconds, (double)won.Count / attacked.Count,
                won.Average(r => r.Distortion.Rms), attacked.Average(r => (double)r.Evaluations)));
        }
        return (description, firstSeconds, rows);
    }

    private static List<AttackResult> Attack(Device device, Model model, Dataset test, int batch, int examples)
    {
        var attack = new LbfgsAttack(new LbfgsAttackOptions { BatchSize = batch });
        var results = new List<AttackResult>();
        for (int start = 0; start < examples; start += batch)
        {
            int b = Math.Min(batch, examples - start);
            using var x = Tensor.FromArray(device, test.Images.AsSpan(start * test.ImageSize, b * test.ImageSize).ToArray(),
                [b, test.Channels, test.Height, test.Width]);
            var labels = test.Labels.AsSpan(start, b).ToArray();
            results.AddRange(attack.Run(model, x, labels, new TargetedMisclassification(labels.Select(y => (y + 1) % 10).ToArray())));
        }
        return results;
    }
}
