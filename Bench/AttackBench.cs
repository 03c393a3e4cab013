using System.Diagnostics;
using System.Text.Json;
using IlgpuBlindSpots.Network;
using IlgpuBlindSpots.Network.Data;
using IlgpuBlindSpots.Network.ModelFiles;
using IlgpuBlindSpots.Optimizer.Attacks;
using Spectre.Console;

namespace IlgpuBlindSpots.Bench;

/// <summary>
/// `attack`: examples/s of the full minimal-perturbation search (L-BFGS attack with its c-search,
/// target (y+1) mod 10) on fc100-100-10 and the first MNIST test digits, at batch 1, 64 and 1024,
/// wall time from opening the device to the last result; with evaluations per example and mean distortion.
/// </summary>
internal static class AttackBench
{
    public sealed record Row(int Batch, int Examples, double Seconds, double ExamplesPerSecond, double SuccessRate,
        double MeanDistortion, double EvaluationsPerExample);

    /// <summary>Every device given, one after the other, printed side by side per batch size.</summary>
    public static int Run(IReadOnlyList<string> deviceSpecs, string modelPath, string dataRoot, string jsonPath)
    {
        var test = Directory.Exists(Path.Combine(dataRoot, "mnist"))
            ? Dataset.Load("mnist", DatasetSplit.Test, dataRoot)
            : Dataset.Load("sample", DatasetSplit.Test, dataRoot);
        var runs = deviceSpecs.Select(spec => Measure(spec, modelPath, test)).ToList();
        var table = new Table().AddColumns("batch", "examples");
        foreach (var (d, _) in runs)
            table.AddColumns($"{Markup.Escape(d.Split(' ')[0])} s", "examples/s", "success", "mean distortion", "evals / example");
        for (int i = 0; i < runs[0].Rows.Count; i++)
        {
            var cells = new List<string> { $"{runs[0].Rows[i].Batch}", $"{runs[0].Rows[i].Examples}" };
            foreach (var (_, rows) in runs)
            {
                var row = rows[i];
                cells.AddRange([$"{row.Seconds:F1}", $"{row.ExamplesPerSecond:F1}", $"{100 * row.SuccessRate:F1}%",
                    $"{row.MeanDistortion:F4}", $"{row.EvaluationsPerExample:F1}"]);
            }
            table.AddRow(cells.ToArray());
        }
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 200;
        AnsiConsole.MarkupLine($"[bold]attack[/] fc100-100-10 ({Markup.Escape(modelPath)}) on {Markup.Escape(test.Source)}; " +
            string.Join(", ", runs.Select(r => Markup.Escape(r.Device))));
        AnsiConsole.Write(table);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(jsonPath))!);
        File.WriteAllText(jsonPath, JsonSerializer.Serialize(new
        {
            model = modelPath, data = test.Source, date = DateTime.UtcNow.ToString("u"),
            devices = runs.Select(r => new { device = r.Device, rows = r.Rows }),
        }, new JsonSerializerOptions { WriteIndented = true }));
        AnsiConsole.MarkupLine($"wrote {Markup.Escape(jsonPath)}");
        return 0;
    }

    private static (string Device, List<Row> Rows) Measure(string deviceSpec, string modelPath, Dataset test)
    {
        var rows = new List<Row>();
        string description = "";
        foreach (var (batch, examples) in new[] { (1, 32), (64, 256), (1024, 1024) })
        {
            var clock = Stopwatch.StartNew();
            using var device = Device.Open(deviceSpec);
            description = device.Description;
            using var model = ModelFile.Load(device, modelPath);
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
            double seconds = clock.Elapsed.TotalSeconds;
            var attacked = results.Where(r => !r.AlreadyMisclassified).ToList();
            var won = attacked.Where(r => r.Success).ToList();
            rows.Add(new Row(batch, examples, seconds, examples / seconds, (double)won.Count / attacked.Count,
                won.Average(r => r.Distortion.Rms), attacked.Average(r => (double)r.Evaluations)));
        }
        return (description, rows);
    }
}
