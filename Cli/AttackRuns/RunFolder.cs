using System.Text;
using System.Text.Json;

namespace IlgpuBlindSpots.Cli.AttackRuns;

/// <summary>
/// An attack's output folder: a lock that keeps a second run out while one works there,
/// <c>run.json</c> (what the run is: model, data, target, method, shard) and <c>results.jsonl</c>,
/// appended and flushed after every finished batch so that an interrupted run loses at most the
/// batch in flight and <c>--resume</c> continues without repeating or losing an example; and,
/// once the run has finished, <c>complete.json</c>, without which no reader takes the folder for a
/// finished run.
/// </summary>
internal sealed class RunFolder : IDisposable
{
    public const string ResultsFile = "results.jsonl", RunFile = "run.json", LockFile = ".lock", CompleteFile = "complete.json";
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
    /// needs a folder without results; <paramref name="resume"/> needs one with the same description,
    /// whose rows are read and checked by <see cref="RunReader"/>. Returns the results already there
    /// (none for a new run). Nothing is changed until the checks pass; then the folder's completion
    /// record is removed, so that no reader takes it for a finished run while this one works.
    /// </summary>
    public static (RunFolder Folder, List<ResultRecord> Done) Open(string path, IReadOnlyDictionary<string, string> description, bool resume)
    {
        CreateFolder(path);
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
        catch (UnauthorizedAccessException e)
        {
            throw new BlindSpotsException($"--out {path}: cannot write there ({e.Message})");
        }
        var folder = new RunFolder(path, lockStream);
        try
        {
            var done = resume ? ReadForResume(path, description) : CheckNew(path);
            string resultsFile = System.IO.Path.Combine(path, ResultsFile);
            Delete(System.IO.Path.Combine(path, CompleteFile));
            if (!resume)
                Network.Data.AtomicFile.Write(System.IO.Path.Combine(path, RunFile), s => JsonSerializer.Serialize(s, description, new JsonSerializerOptions { WriteIndented = true }));
            // Rewrite the results without any half-written last line (whole, then renamed), then append from there.
            Network.Data.AtomicFile.Write(resultsFile, s =>
            {
                using var w = new StreamWriter(s, new UTF8Encoding(false), leaveOpen: true);
                foreach (var r in done) w.WriteLine(r.ToJson());
            });
            folder.results = new StreamWriter(new FileStream(resultsFile, FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false));
            return (folder, done);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            folder.Dispose();
            throw new BlindSpotsException($"--out {path}: cannot write there ({e.Message})", e);
        }
        catch
        {
            folder.Dispose();
            throw;
        }
    }

    private static List<ResultRecord> ReadForResume(string path, IReadOnlyDictionary<string, string> description)
    {
        string runFile = System.IO.Path.Combine(path, RunFile);
        if (!File.Exists(runFile))
            throw new BlindSpotsException($"--resume: {path} holds no run to continue ({RunFile} is missing)");
        var before = ReadDescription(runFile);
        foreach (var (key, value) in description)
            if (!before.TryGetValue(key, out var was) || was != value)
                throw new BlindSpotsException(
                    $"--resume: {runFile} was written by a run with {key} = {(was ?? "(none)")}, this one has {value}");
        return RunReader.ReadPartial(path, RunScope.Parse(before, runFile));
    }

    private static List<ResultRecord> CheckNew(string path)
    {
        string resultsFile = System.IO.Path.Combine(path, ResultsFile);
        if (File.Exists(resultsFile) && new FileInfo(resultsFile).Length > 0)
            throw new BlindSpotsException($"--out {path}: already holds {ResultsFile}; continue it with --resume or choose another folder");
        return [];
    }

    private static void CreateFolder(string path)
    {
        try
        {
            Directory.CreateDirectory(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BlindSpotsException($"--out {path}: cannot create the folder ({e.Message})", e);
        }
    }

    private static void Delete(string file)
    {
        if (File.Exists(file)) File.Delete(file);
    }

    /// <summary>Appends a finished batch's results and flushes them to disk.</summary>
    public void Append(IEnumerable<ResultRecord> batch)
    {
        foreach (var r in batch) results!.WriteLine(r.ToJson());
        results!.Flush();
        ((FileStream)results.BaseStream).Flush(flushToDisk: true);
    }

    /// <summary>
    /// Marks the run finished: closes the results and writes <c>complete.json</c> with their row count
    /// and SHA-256, the record <see cref="RunReader.ReadComplete"/> requires. Written last, whole.
    /// </summary>
    public void Complete(int rows)
    {
        results!.Dispose();
        results = null;
        WriteCompletion(Path, rows);
    }

    /// <summary>Writes the completion record of the results file in <paramref name="folder"/>.</summary>
    public static void WriteCompletion(string folder, int rows)
    {
        string hash;
        using (var stream = File.OpenRead(System.IO.Path.Combine(folder, ResultsFile)))
            hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
        var record = new Dictionary<string, object> { ["results"] = rows, ["results_sha256"] = hash };
        Network.Data.AtomicFile.Write(System.IO.Path.Combine(folder, CompleteFile), s =>
            JsonSerializer.Serialize(s, record, new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Reads a completion record: the row count and the SHA-256 of the results it vouches for.</summary>
    public static (int Rows, string Sha256) ReadCompletion(string file)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(LimitedFile(file)));
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("results", out var rows) && rows.TryGetInt32(out int count)
                && root.TryGetProperty("results_sha256", out var hash) && hash.ValueKind == JsonValueKind.String)
                return (count, hash.GetString()!);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
        }
        throw new BlindSpotsException($"{file}: not a completion record of this program (expected results and results_sha256)");
    }

    public static Dictionary<string, string> ReadDescription(string runFile)
    {
        try
        {
            var description = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllBytes(LimitedFile(runFile)))
                              ?? throw new JsonException("empty");
            return description.Values.All(v => v != null) ? description : throw new JsonException("a value is null");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            throw new BlindSpotsException($"{runFile}: not a run description of this program");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BlindSpotsException($"{runFile}: cannot read ({e.Message})", e);
        }
    }

    /// <summary>The small JSON files of a run are a few hundred bytes; a huge one is not this program's.</summary>
    private static string LimitedFile(string file) =>
        new FileInfo(file).Length <= RunReader.MaxLineBytes ? file
            : throw new BlindSpotsException($"{file}: larger than {RunReader.MaxLineBytes} bytes; not written by this program");

    public void Dispose()
    {
        results?.Dispose();
        lockStream.Dispose();
    }
}
