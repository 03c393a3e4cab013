using IlgpuBlindSpots.Cli.AttackRuns;

namespace IlgpuBlindSpots.Cli.Commands;

/// <summary>
/// <c>merge</c>: joins the output folders of the N shards of one attack into one: every shard of
/// the same run present once, every shard complete, no example twice; otherwise one clear line.
/// </summary>
internal static class MergeCommand
{
    public static int Run(MergeArguments o, CliConsole console)
    {
        var shards = o.Shards.ToList();
        if (shards.Count == 0) throw new BlindSpotsException("merge: name the shards' output folders (e.g. blindspots merge out/s0 out/s1 --out out/all)");
        if (string.IsNullOrWhiteSpace(o.Out)) throw new BlindSpotsException("--out is required: the folder for the merged results");
        OutputPath.CheckFolder("--out", o.Out);
        CheckTarget(o.Out, shards);
        // Every shard is read whole and checked before anything is written.
        var runs = shards.Select(RunReader.ReadComplete).ToList();
        var parsed = CheckShards(runs);
        var first = runs[0].Description;
        int count = parsed[0].Shard.Count;

        var all = runs.SelectMany(r => r.Results).ToList();
        all.Sort((a, b) => a.Index.CompareTo(b.Index));
        var run = new Dictionary<string, string>(first) { ["shard"] = $"merged {count} shards" };
        run.Remove("examples");
        run[RunScope.ExpectedKey] = parsed.Sum(p => p.Run.Scope.Expected).ToString(CultureInfo.InvariantCulture);
        run[RunScope.IndicesKey] = RunScope.FormatIndices(parsed[0].Run.Scope.First, parsed.Sum(p => p.Run.Scope.Count));

        // Written into a staging folder beside --out and moved into place when whole: a merge cut
        // off halfway leaves the previous --out as it was and no folder a reader would accept.
        AttackReport.Summary summary;
        using (var staging = OutputFolder.Stage(o.Out))
        {
            summary = WriteMerged(staging.Path, runs, all, run, count);
            staging.Commit();
        }
        console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"merged {count} shards: {summary.Examples} examples, {summary.Succeeded}/{summary.Attacked} fooled, mean distortion {summary.MeanDistortion:F4}"));
        return 0;
    }

    /// <summary>The shards of one run, each once, all present, their slices adjoining; in shard order.</summary>
    private static List<(RunReader.Run Run, Shard Shard)> CheckShards(List<RunReader.Run> runs)
    {
        // Every shard must be of the same run: all but the shard's own keys agree.
        string[] own = ["shard", "examples", RunScope.ExpectedKey, RunScope.IndicesKey];
        var first = runs[0].Description;
        foreach (var r in runs.Skip(1))
            foreach (var key in first.Keys.Union(r.Description.Keys).Except(own))
            {
                string a = first.GetValueOrDefault(key) ?? "(none)", b = r.Description.GetValueOrDefault(key) ?? "(none)";
                if (a != b)
                    throw new BlindSpotsException($"merge: {r.Folder} is not a shard of the same run as {runs[0].Folder} ({key}: {b} vs {a})");
            }
        var parsed = runs.Select(r => (Run: r, Shard: ParseShard(r.Description, r.Folder))).ToList();
        int count = parsed[0].Shard.Count;
        foreach (var p in parsed)
            if (p.Shard.Count != count)
                throw new BlindSpotsException($"merge: {p.Run.Folder} is shard {p.Shard} but {parsed[0].Run.Folder} is shard {parsed[0].Shard}");
        foreach (var dup in parsed.GroupBy(p => p.Shard.Index).Where(g => g.Count() > 1))
            throw new BlindSpotsException($"merge: shard {dup.Key}/{count} given twice ({string.Join(", ", dup.Select(d => d.Run.Folder))})");
        var missing = Enumerable.Range(0, count).Except(parsed.Select(p => p.Shard.Index)).ToList();
        if (missing.Count > 0)
            throw new BlindSpotsException($"merge: shard(s) {string.Join(", ", missing.Select(m => $"{m}/{count}"))} missing");
        parsed.Sort((a, b) => a.Shard.Index.CompareTo(b.Shard.Index));
        for (int i = 1; i < parsed.Count; i++)
        {
            var (before, after) = (parsed[i - 1].Run.Scope, parsed[i].Run.Scope);
            if ((long)before.First + before.Count != after.First)
                throw new BlindSpotsException(
                    $"merge: {parsed[i].Run.Folder} covers examples from {after.First}, but the shard before it ({parsed[i - 1].Run.Folder}) ends at {before.Last}");
        }
        return parsed;
    }

    private static AttackReport.Summary WriteMerged(string folder, List<RunReader.Run> runs, List<ResultRecord> all,
        Dictionary<string, string> run, int count)
    {
        string adversarial = Path.Combine(folder, AttackCommand.AdversarialFolder);
        Directory.CreateDirectory(adversarial);
        foreach (var r in runs)
            foreach (var row in r.Results.Where(x => !x.AlreadyMisclassified))
            {
                string exact = AdversarialExampleFile.PathOf(r.Folder, row.Index), png = Path.ChangeExtension(exact, ".png");
                File.Copy(exact, Path.Combine(adversarial, Path.GetFileName(exact)));
                if (File.Exists(png)) File.Copy(png, Path.Combine(adversarial, Path.GetFileName(png)));
            }
        string? figure = runs.Select(r => Path.Combine(r.Folder, AttackCommand.FigureFile)).FirstOrDefault(File.Exists);
        if (figure != null) File.Copy(figure, Path.Combine(folder, AttackCommand.FigureFile));
        Network.Data.AtomicFile.Write(Path.Combine(folder, RunFolder.ResultsFile), stream =>
        {
            using var w = new StreamWriter(stream, new System.Text.UTF8Encoding(false), leaveOpen: true);
            foreach (var r in all) w.WriteLine(r.ToJson());
        });
        Network.Data.AtomicFile.Write(Path.Combine(folder, RunFolder.RunFile), stream =>
            System.Text.Json.JsonSerializer.Serialize(stream, run, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        var summary = AttackReport.Write(folder, all, $"Attack on {run.GetValueOrDefault("model")} ({count} shards merged)", run,
            figure != null ? AttackCommand.FigureFile : null);
        RunFolder.WriteCompletion(folder, all.Count);
        return summary;
    }

    private static Shard ParseShard(IReadOnlyDictionary<string, string> run, string folder)
    {
        var parts = run.GetValueOrDefault("shard", "").Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], out int i) && int.TryParse(parts[1], out int n) && i >= 0 && i < n)
            return new Shard(i, n);
        throw new BlindSpotsException($"merge: {folder}/{RunFolder.RunFile} names no shard");
    }

    /// <summary>
    /// --out may be new, empty, or an earlier merge's output (replaced whole); never one of the shards,
    /// and never a folder of other files, which a merge would otherwise wipe.
    /// </summary>
    private static void CheckTarget(string output, IReadOnlyList<string> shards)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(output));
        if (shards.Any(s => Path.TrimEndingDirectorySeparator(Path.GetFullPath(s)) == full))
            throw new BlindSpotsException($"--out {output}: is one of the shards; the merge goes into a folder of its own");
        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any() && !File.Exists(Path.Combine(full, RunFolder.RunFile)))
            throw new BlindSpotsException($"--out {output}: holds files that are not an attack output; choose a new or empty folder");
    }
}
