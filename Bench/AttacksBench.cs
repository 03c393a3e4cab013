using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using IlgpuBlindSpots.Network;
using IlgpuBlindSpots.Network.Data;
using IlgpuBlindSpots.Network.ModelFiles;
using IlgpuBlindSpots.Optimizer.Attacks;
using Spectre.Console;

namespace IlgpuBlindSpots.Bench;

/// <summary>
/// `attacks`: the minimal-norm attacks (<see cref="NamedAttacks"/>, and `best`) on one model and
/// the first test digits, targeted (next) or untargeted. Each method's run (wall time from opening
/// the device to the last result) is saved as its own JSON file under the output folder, so the
/// slow ones can run apart; `attacks-table` then joins the files of a folder into one table with
/// the per-example ratio to the best of all methods.
/// </summary>
internal static class AttacksBench
{
    public sealed record Example(int Index, bool Attacked, bool Success, double Rms, int Evaluations, string? Method);

    public sealed record MethodRun(string Model, string Target, string Method, int Count, double Seconds, string Device, string Date,
        List<Example> Examples);

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public static int Run(string deviceSpec, string modelPath, string dataRoot, string target, int count, IEnumerable<string> methods, string folder)
    {
        var test = Dataset.Load("mnist", DatasetSplit.Test, dataRoot).Slice(0, count);
        Directory.CreateDirectory(folder);
        foreach (string method in methods)
        {
            var clock = Stopwatch.StartNew();
            using var device = ComputeDevice.Open(deviceSpec);
            using var model = ModelFile.Load(device, modelPath);
            Attack attack = method.StartsWith("best", StringComparison.Ordinal)
                ? NamedAttacks.Best(method == "best" ? NamedAttacks.DefaultBest : method["best=".Length..].Split('+'), 256)
                : NamedAttacks.Create(method, 256);
            Criterion criterion = target == "untargeted" ? new Misclassification() : new NextClass();
            var results = attack.Run(model, test, criterion);
            double seconds = clock.Elapsed.TotalSeconds;
            var examples = results.Select(r => new Example(r.Index, !r.AlreadyMisclassified, r.Success, r.Distortion.Rms, r.Evaluations, r.Method)).ToList();
            var run = new MethodRun(Path.GetFileNameWithoutExtension(modelPath), target, method, count, seconds, device.Description,
                DateTime.UtcNow.ToString("u", CultureInfo.InvariantCulture), examples);
            string file = Path.Combine(folder, $"{run.Model}-{target}-{method.Replace(':', '_').Replace('+', '_').Replace('=', '_')}.json");
            File.WriteAllText(file, JsonSerializer.Serialize(run, Json));
            var won = examples.Where(e => e.Attacked && e.Success).ToList();
            AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"{run.Model} {target} {method}: {won.Count}/{examples.Count(e => e.Attacked)} fooled, mean {won.Select(e => e.Rms).DefaultIfEmpty().Average():F4}, {seconds:F1} s -> {file}")));
        }
        return 0;
    }

    /// <summary>The table of every saved run in <paramref name="folder"/>, one section per model and goal, as markdown on stdout.</summary>
    public static int Table(string folder)
    {
        var runs = Directory.GetFiles(folder, "*.json").Select(f => JsonSerializer.Deserialize<MethodRun>(File.ReadAllText(f), Json)!).ToList();
        foreach (var group in runs.GroupBy(r => (r.Model, r.Target)).OrderBy(g => g.Key.Model).ThenBy(g => g.Key.Target))
        {
            // Per example, the smallest successful distortion of any method that ran on it.
            var best = new Dictionary<int, double>();
            foreach (var e in group.SelectMany(r => r.Examples).Where(e => e.Attacked && e.Success))
                best[e.Index] = Math.Min(best.GetValueOrDefault(e.Index, double.PositiveInfinity), e.Rms);
            Console.WriteLine($"\n{group.Key.Model}, {(group.Key.Target == "untargeted" ? "untargeted" : "target (y+1) mod 10")}\n");
            Console.WriteLine("| method | digits | success | mean distortion | median | mean ratio to best | evaluations / example | images/s | seconds |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var run in group.OrderBy(r => r.Examples.Where(e => e.Attacked && e.Success).Select(e => e.Rms).DefaultIfEmpty(9).Average()))
            {
                var attacked = run.Examples.Where(e => e.Attacked).ToList();
                var won = attacked.Where(e => e.Success).Select(e => e.Rms).OrderBy(v => v).ToList();
                double ratio = attacked.Where(e => e.Success).Average(e => e.Rms / best[e.Index]);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {run.Method} | {run.Count} | {100.0 * won.Count / attacked.Count:F1}% | {won.Average():F4} | {won[won.Count / 2]:F4} | {ratio:F4} | {attacked.Average(e => (double)e.Evaluations):F0} | {run.Count / run.Seconds:F1} | {run.Seconds:F0} |"));
            }
            foreach (var run in group.Where(r => r.Method.StartsWith("best", StringComparison.Ordinal)))
            {
                var counts = run.Examples.Where(e => e.Attacked && e.Success).GroupBy(e => e.Method).Select(g => $"{g.Key} {g.Count()}");
                Console.WriteLine($"\n{run.Method}: kept per example: {string.Join(", ", counts)}");
            }
        }
        return 0;
    }
}
