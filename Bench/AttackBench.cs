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
/// target (y+1) mod 10) on a model (fc100-100-10 by default) and the first MNIST test digits, at
/// batch 1, 64 and 1024 unless <c>--runs</c> says otherwise, wall time from opening the device to
/// the last result; with evaluations per example and mean distortion.
/// </summary>
internal static class AttackBench
{
    /// <summary>One run; the structure figures are per batch (<see cref="WeightSearchCounters"/>).</summary>
    public sealed record Row(int Batch, int Examples, string Search, double Seconds, double ExamplesPerSecond, double SuccessRate,
        double MeanDistortion, double EvaluationsPerExample, long MaxEvaluations, double RoundsPerBatch, double LaunchesPerBatch,
        double HostReadsPerBatch, double AllocationsPerBatch, double AllocationsAfterFirstRoundPerBatch);

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
    public static int Run(IReadOnlyList<string> deviceSpecs, string modelPath, string dataRoot, string jsonPath, (int Batch, int Examples)[] runs,
        IReadOnlyList<string> searches)
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
        var measured = deviceSpecs.Select(spec => Measure(spec, modelPath, test, runs, searches)).ToList();
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 220;
        AnsiConsole.MarkupLine($"[bold]attack[/] {Markup.Escape(modelPath)} on {Markup.Escape(test.Source)}; " +
            string.Join(", ", measured.Select(r => Markup.Escape(r.Device))));
        AnsiConsole.Write(SideBySide(measured));
        AnsiConsole.Write(Structure(measured));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(jsonPath))!);
        File.WriteAllText(jsonPath, JsonSerializer.Serialize(new
        {
            model = modelPath, data = test.Source, date = DateTime.UtcNow.ToString("u"),
            devices = measured.Select(r => new { device = r.Device, rows = r.Rows }),
        }, new JsonSerializerOptions { WriteIndented = true }));
        AnsiConsole.MarkupLine($"wrote {Markup.Escape(jsonPath)}");
        return 0;
    }

    /// <summary>Time and results per run, every device side by side.</summary>
    private static Table SideBySide(List<(string Device, List<Row> Rows)> measured)
    {
        var table = new Table().AddColumns("batch", "examples", "search");
        foreach (var (d, _) in measured)
            table.AddColumns($"{Markup.Escape(d.Split(' ')[0])} s", "examples/s", "success", "mean distortion", "evals / example");
        for (int i = 0; i < measured[0].Rows.Count; i++)
        {
            var first = measured[0].Rows[i];
            var cells = new List<string> { $"{first.Batch}", $"{first.Examples}", first.Search };
            foreach (var (_, rows) in measured)
            {
                var row = rows[i];
                cells.AddRange([$"{row.Seconds:F1}", $"{row.ExamplesPerSecond:F1}", $"{100 * row.SuccessRate:F1}%",
                    $"{row.MeanDistortion:F4}", $"{row.EvaluationsPerExample:F1}"]);
            }
            table.AddRow(cells.ToArray());
        }
        return table;
    }

    /// <summary>What each run cost per batch: device rounds against the largest evaluation count of one example, launches, host reads, allocations.</summary>
    private static Table Structure(List<(string Device, List<Row> Rows)> measured)
    {
        var table = new Table().AddColumns("device", "batch", "examples", "search", "max evals of an example", "rounds / batch",
            "launches / batch", "host reads / batch", "allocations / batch", "after 1st round");
        foreach (var (d, rows) in measured)
            foreach (var r in rows)
                table.AddRow(Markup.Escape(d.Split(' ')[0]), $"{r.Batch}", $"{r.Examples}", r.Search, $"{r.MaxEvaluations}", $"{r.RoundsPerBatch:F0}",
                    $"{r.LaunchesPerBatch:F0}", $"{r.HostReadsPerBatch:F1}", $"{r.AllocationsPerBatch:F1}", $"{r.AllocationsAfterFirstRoundPerBatch:F1}");
        return table;
    }

    private static (string Device, List<Row> Rows) Measure(string deviceSpec, string modelPath, Dataset test, (int Batch, int Examples)[] runs,
        IReadOnlyList<string> searches)
    {
        var rows = new List<Row>();
        string description = "";
        foreach (var (batch, examples) in runs)
        foreach (var search in searches)
        {
            var clock = Stopwatch.StartNew();
            using var device = ComputeDevice.Open(deviceSpec);
            description = device.Description;
            using var model = ModelFile.Load(device, modelPath);
            var options = new LbfgsAttackOptions { BatchSize = batch, SearchOnDevice = search != "host" };
            // "groups": the device search with L-BFGS's thread group per problem forced, to set it
            // beside the layout the backend picks by itself.
            if (search == "groups") options = options with { Solver = options.Solver with { Layout = Optimizer.LbfgsLayout.ProblemGroups } };
            var attack = new LbfgsAttack(options);
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
            var c = attack.Counters;
            double batches = Math.Max(1, c.Batches);
            rows.Add(new Row(batch, examples, search, seconds, examples / seconds, (double)won.Count / attacked.Count,
                won.Average(r => r.Distortion.Rms), attacked.Average(r => (double)r.Evaluations), c.MaxEvaluations,
                c.Rounds / batches, c.Launches / batches, c.HostReads / batches, c.Allocations / batches, c.AllocationsAfterFirstRound / batches));
        }
        return (description, rows);
    }
}
