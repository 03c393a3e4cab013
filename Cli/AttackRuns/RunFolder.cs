using System.Text;
using System.Text.Json;
using IlgpuBlindSpots.Network;

namespace IlgpuBlindSpots.Cli.AttackRuns;

/// <summary>
/// An attack's output folder: a lock that keeps a second run out while one works there,
/// <c>run.json</c> (what the run is: model, data, target, method, shard) and <c>results.jsonl</c>,
/// appended and flushed after every finished batch so that an interrupted run loses at most the
/// batch in flight and <c>--resume</c> continues without repeating or losing an example.
/// </summary>
internal sealed class RunFolder : IDisposable
{
    public const string ResultsFile = "results.jsonl", RunFile = "run.json", LockFile = ".lock";
    private readonly FileStream lockStream;
    private StreamWriter? results;

    private RunFolder(string path, FileStream lockStream)
    {
        Path = path;
        this.lockStream = lockStream;
    }

    public string Path { get; }

    /// <summary>
    /// Opens (creating) the folder for a run described by <paramref name="description"/>. A new run
    /// needs a folder without results; <paramref name="resume"/> needs one with the same description.
    /// Returns the results already there (none for a new run).
    /// </summary>
    public static (RunFolder Folder, List<ResultRecord> Done) Open(string path, IReadOnlyDictionary<string, string> description, bool resume)
    {
        Directory.CreateDirectory(path);
        FileStream lockStream;
        try
        {
            lockStream = new FileStream(System.IO.Path.Combine(path, LockFile), FileMode.OpenOrCreate, FileAccess.ReadWrite,
                FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (IOException)
        {
            throw new BlindSpotsException($"--out {path}: another attack run is using this folder");
        }
        var folder = new RunFolder(path, lockStream);
        try
        {
            string runFile = System.IO.Path.Combine(path, RunFile), resultsFile = System.IO.Path.Combine(path, ResultsFile);
            var done = new List<ResultRecord>();
            if (resume)
            {
                if (!File.Exists(runFile))
                    throw new BlindSpotsException($"--resume: {path} holds no run to continue ({RunFile} is missing)");
                var before = ReadDescription(runFile);
                foreach (var (key, value) in description)
                    if (!before.TryGetValue(key, out var was) || was != value)
                        throw new BlindSpotsException(
                            $"--resume: {runFile} was written by a run with {key} = {(was ?? "(none)")}, this one has {value}");
                if (File.Exists(resultsFile)) done = ReadResults(resultsFile);
            }
            else
            {
                if (File.Exists(resultsFile) && new FileInfo(resultsFile).Length > 0)
                    throw new BlindSpotsException($"--out {path}: already holds {ResultsFile}; continue it with --resume or choose another folder");
                Network.Data.AtomicFile.Write(runFile, s => JsonSerializer.Serialize(s, description, new JsonSerializerOptions { WriteIndented = true }));
            }
            // Rewrite the results without any half-written last line, then append from there.
            folder.results = new StreamWriter(new FileStream(resultsFile, FileMode.Create, FileAccess.Write, FileShare.Read), new UTF8Encoding(false));
            foreach (var r in done) folder.results.WriteLine(r.ToJson());
            folder.results.Flush();
            return (folder, done);
        }
        catch
        {
            folder.Dispose();
            throw;
        }
    }

    /// <summary>Appends a finished batch's results and flushes them to disk.</summary>
    public void Append(IEnumerable<ResultRecord> batch)
    {
        foreach (var r in batch) results!.WriteLine(r.ToJson());
        results!.Flush();
        ((FileStream)results.BaseStream).Flush(flushToDisk: true);
    }

    public static Dictionary<string, string> ReadDescription(string runFile)
    {
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(runFile))
                   ?? throw new JsonException("empty");
        }
        catch (JsonException)
        {
            throw new BlindSpotsException($"{runFile}: not a run description of this program");
        }
    }

    /// <summary>
    /// Reads a results file. A last line without its newline is a batch cut off mid-write and is
    /// dropped; any other malformed line, or an example twice, is an error.
    /// </summary>
    public static List<ResultRecord> ReadResults(string file)
    {
        string text = File.ReadAllText(file);
        var lines = text.Split('\n');
        var list = new List<ResultRecord>();
        var seen = new HashSet<int>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            bool cutOff = i == lines.Length - 1; // no newline after it
            if (cutOff) break;
            var r = ResultRecord.Parse(lines[i], file, i + 1);
            if (!seen.Add(r.Index))
                throw new BlindSpotsException($"{file} line {i + 1}: example {r.Index} appears twice");
            list.Add(r);
        }
        return list;
    }

    public void Dispose()
    {
        results?.Dispose();
        lockStream.Dispose();
    }
}
