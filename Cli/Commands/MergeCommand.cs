using System.Globalization;
using IlgpuBlindSpots.Cli.AttackRuns;
using IlgpuBlindSpots.Network;

namespace IlgpuBlindSpots.Cli.Commands;

/// <summary>
/// <c>merge</c>: joins the output folders of the N shards of one attack into one: every shard of
/// the same run present once, every shard complete, no example twice; otherwise one clear line.
/// </summary>
internal static class MergeCommand
{
    public static int Run(MergeOptions o, CliConsole console)
    {
        var shards = o.Shards.ToList();
        if (shards.Count == 0) throw new BlindSpotsException("merge: name the shards' output folders");
        var runs = new List<(string Folder, Dictionary<string, string> Run, List<ResultRecord> Results)>();
        foreach (string folder in shards)
        {
            string runFile = Path.Combine(folder, RunFolder.RunFile), resultsFile = Path.Combine(folder, RunFolder.ResultsFile);
            if (!File.Exists(runFile) || !File.Exists(resultsFile))
                throw new BlindSpotsException($"merge: {folder} is not an attack output folder (no {RunFolder.RunFile} or {RunFolder.ResultsFile})");
            runs.Add((folder, RunFolder.ReadDescription(runFile), RunFolder.ReadResults(resultsFile)));
        }

        // Every shard must be of the same run: all but the shard's own keys agree.
        string[] own = ["shard", "examples", "expected"];
        var first = runs[0].Run;
        foreach (var (folder, other, _) in runs.Skip(1))
            foreach (var key in first.Keys.Union(other.Keys).Except(own))
            {
                string a = first.GetValueOrDefault(key) ?? "(none)", b = other.GetValueOrDefault(key) ?? "(none)";
                if (a != b)
                    throw new BlindSpotsException($"merge: {folder} is not a shard of the same run as {runs[0].Folder} ({key}: {b} vs {a})");
            }

        var parsed = runs.Select(r => (r.Folder, Shard: ParseShard(r.Run, r.Folder), r.Results, Expected: Expected(r.Run, r.Folder))).ToList();
        int count = parsed[0].Shard.Count;
        foreach (var p in parsed)
            if (p.Shard.Count != count)
                throw new BlindSpotsException($"merge: {p.Folder} is shard {p.Shard} but {parsed[0].Folder} is shard {parsed[0].Shard}");
        foreach (var dup in parsed.GroupBy(p => p.Shard.Index).Where(g => g.Count() > 1))
            throw new BlindSpotsException($"merge: shard {dup.Key}/{count} given twice ({string.Join(", ", dup.Select(d => d.Folder))})");
        var missing = Enumerable.Range(0, count).Except(parsed.Select(p => p.Shard.Index)).ToList();
        if (missing.Count > 0)
            throw new BlindSpotsException($"merge: shard(s) {string.Join(", ", missing.Select(m => $"{m}/{count}"))} missing");
        foreach (var p in parsed)
            if (p.Results.Count != p.Expected)
                throw new BlindSpotsException($"merge: {p.Folder} holds {p.Results.Count} of its {p.Expected} examples; finish it with attack --resume");

        var all = new List<ResultRecord>();
        var seen = new Dictionary<int, string>();
        foreach (var p in parsed)
            foreach (var r in p.Results)
            {
                if (seen.TryGetValue(r.Index, out var other))
                    throw new BlindSpotsException($"merge: example {r.Index} is in both {other} and {p.Folder}");
                seen[r.Index] = p.Folder;
                all.Add(r);
            }
        all.Sort((a, b) => a.Index.CompareTo(b.Index));

        Directory.CreateDirectory(o.Out);
        string adversarial = Path.Combine(o.Out, AttackCommand.AdversarialFolder);
        Directory.CreateDirectory(adversarial);
        foreach (var p in parsed)
        {
            string from = Path.Combine(p.Folder, AttackCommand.AdversarialFolder);
            if (Directory.Exists(from))
                foreach (string file in Directory.EnumerateFiles(from).Where(f => f.EndsWith(".png", StringComparison.Ordinal)
                             || f.EndsWith(AdversarialExampleFile.Extension, StringComparison.Ordinal)))
                    File.Copy(file, Path.Combine(adversarial, Path.GetFileName(file)), overwrite: true);
        }
        string? figure = parsed.Select(p => Path.Combine(p.Folder, AttackCommand.FigureFile)).FirstOrDefault(File.Exists);
        if (figure != null) File.Copy(figure, Path.Combine(o.Out, AttackCommand.FigureFile), overwrite: true);

        var run = new Dictionary<string, string>(first) { ["shard"] = $"merged {count} shards" };
        run.Remove("examples");
        run["expected"] = parsed.Sum(p => p.Expected).ToString(CultureInfo.InvariantCulture);
        Network.Data.AtomicFile.Write(Path.Combine(o.Out, RunFolder.ResultsFile), stream =>
        {
            using var w = new StreamWriter(stream, new System.Text.UTF8Encoding(false), leaveOpen: true);
            foreach (var r in all) w.WriteLine(r.ToJson());
        });
        Network.Data.AtomicFile.Write(Path.Combine(o.Out, RunFolder.RunFile), stream =>
            System.Text.Json.JsonSerializer.Serialize(stream, run, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        var summary = AttackReport.Write(o.Out, all, $"Attack on {first.GetValueOrDefault("model")} ({count} shards merged)", run,
            figure != null ? AttackCommand.FigureFile : null);
        console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"merged {count} shards: {summary.Examples} examples, {summary.Succeeded}/{summary.Attacked} fooled, mean distortion {summary.MeanDistortion:F4}"));
        return 0;
    }

    private static Shard ParseShard(Dictionary<string, string> run, string folder)
    {
        var parts = run.GetValueOrDefault("shard", "").Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], out int i) && int.TryParse(parts[1], out int n) && i >= 0 && i < n)
            return new Shard(i, n);
        throw new BlindSpotsException($"merge: {folder}/{RunFolder.RunFile} names no shard");
    }

    private static int Expected(Dictionary<string, string> run, string folder) =>
        int.TryParse(run.GetValueOrDefault("expected"), NumberStyles.None, CultureInfo.InvariantCulture, out int e) ? e
            : throw new BlindSpotsException($"merge: {folder}/{RunFolder.RunFile} does not say how many examples the shard has");
}
