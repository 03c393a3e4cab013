using System.Security.Cryptography;
using System.Text;

namespace IlgpuBlindSpots.Cli.AttackRuns;

/// <summary>
/// The one reader of an attack's output folder, for <c>--resume</c>, <c>merge</c>, <c>transfer</c> and
/// the reports. An output folder is written by a user's earlier run and may since have been edited,
/// truncated or replaced, so nothing in it is believed unchecked: <c>run.json</c> must state the run's
/// scope (<see cref="RunScope"/>), every row of <c>results.jsonl</c> must fit it (<see cref="ResultCheck"/>),
/// appear once, and have its exact-input file of the run's shape; a finished run must carry the
/// <c>complete.json</c> its command writes last. The first problem ends the read with one line naming
/// the file, the line and the field; nothing after a bad row is used.
/// </summary>
internal static class RunReader
{
    /// <summary>The longest line a results file may hold; a real row is a few hundred bytes.</summary>
    public const int MaxLineBytes = 1 << 16;

    public sealed record Run(string Folder, IReadOnlyDictionary<string, string> Description, RunScope Scope, List<ResultRecord> Results);

    /// <summary>A finished run (an attack that ran to its end, or a merge): every expected row, and its completion record.</summary>
    public static Run ReadComplete(string folder)
    {
        var (description, scope) = ReadDescription(folder);
        string completeFile = Path.Combine(folder, RunFolder.CompleteFile);
        if (!File.Exists(completeFile))
            throw new BlindSpotsException(
                $"{folder}: not a finished attack output (no {RunFolder.CompleteFile}): the run was cut off or is still going; finish it with attack --resume");
        var (results, hash) = ReadResults(folder, scope, dropCutOff: false);
        var (count, recorded) = RunFolder.ReadCompletion(completeFile);
        if (results.Count != scope.Expected)
            throw new BlindSpotsException(
                $"{folder}: partial attack output, {results.Count} of {scope.Expected} examples; finish it with attack --resume");
        if (count != results.Count)
            throw new BlindSpotsException(
                $"{completeFile}: records {count} results, but {RunFolder.ResultsFile} holds {results.Count}");
        if (!string.Equals(recorded, hash, StringComparison.Ordinal))
            throw new BlindSpotsException(
                $"{Path.Combine(folder, RunFolder.ResultsFile)}: changed after the run finished (its SHA-256 differs from the one {RunFolder.CompleteFile} records)");
        return new Run(folder, description, scope, results);
    }

    /// <summary>
    /// The rows an interrupted run left, for <c>--resume</c>: a last line without its newline is a
    /// batch cut off mid-write and is dropped; any other problem is an error.
    /// </summary>
    public static List<ResultRecord> ReadPartial(string folder, RunScope scope)
    {
        if (!File.Exists(Path.Combine(folder, RunFolder.ResultsFile))) return [];
        return ReadResults(folder, scope, dropCutOff: true).Results;
    }

    /// <summary>The run's description and scope; a folder without <c>run.json</c> is not an attack output.</summary>
    public static (Dictionary<string, string> Description, RunScope Scope) ReadDescription(string folder)
    {
        string runFile = Path.Combine(folder, RunFolder.RunFile);
        if (!Directory.Exists(folder))
            throw new BlindSpotsException($"{folder}: no such folder");
        if (!File.Exists(runFile) || !File.Exists(Path.Combine(folder, RunFolder.ResultsFile)))
            throw new BlindSpotsException($"{folder}: not an attack output folder (no {RunFolder.RunFile} or {RunFolder.ResultsFile})");
        var description = RunFolder.ReadDescription(runFile);
        return (description, RunScope.Parse(description, runFile));
    }

    private static (List<ResultRecord> Results, string Sha256) ReadResults(string folder, RunScope scope, bool dropCutOff)
    {
        string file = Path.Combine(folder, RunFolder.ResultsFile);
        var list = new List<ResultRecord>();
        var seen = new HashSet<int>();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (number, line, cutOff) in Lines(file, hash))
        {
            if (cutOff && dropCutOff) break;
            if (cutOff)
                throw new BlindSpotsException($"{file} line {number}: cut off (no newline at its end); the run did not finish writing it");
            var r = ResultRecord.Parse(line, file, number);
            if (ResultCheck.FirstProblem(r, scope) is var (field, problem))
                throw new BlindSpotsException($"{file} line {number}: field '{field}': {problem}");
            if (!seen.Add(r.Index))
                throw new BlindSpotsException($"{file} line {number}: field 'index': example {r.Index} appears twice");
            if (!r.AlreadyMisclassified)
                AdversarialExampleFile.Check(folder, r, scope.Shape, $"{file} line {number}: field 'index': example {r.Index}");
            list.Add(r);
        }
        return (list, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    /// <summary>The file's lines (numbered from 1, without the newline), each at most <see cref="MaxLineBytes"/>, strictly UTF-8; empty lines skipped.</summary>
    private static IEnumerable<(int Number, string Line, bool CutOff)> Lines(string file, IncrementalHash hash)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BlindSpotsException($"{file}: cannot read ({e.Message})", e);
        }
        using (stream)
        {
            var utf8 = new UTF8Encoding(false, throwOnInvalidBytes: true);
            var buffer = new byte[1 << 16];
            var line = new MemoryStream();
            int number = 1;
            for (int n; (n = Read(stream, buffer, file)) > 0;)
            {
                hash.AppendData(buffer, 0, n);
                int start = 0;
                for (int i = 0; i < n; i++)
                {
                    if (buffer[i] != (byte)'\n') continue;
                    line.Write(buffer, start, i - start);
                    start = i + 1;
                    if (line.Length > 0) yield return (number, Decode(line, utf8, file, number), false);
                    line.SetLength(0);
                    number++;
                }
                line.Write(buffer, start, n - start);
                if (line.Length > MaxLineBytes)
                    throw new BlindSpotsException($"{file} line {number}: longer than {MaxLineBytes} bytes; not an attack result of this program");
            }
            if (line.Length > 0) yield return (number, Decode(line, utf8, file, number), true);
        }
    }

    private static int Read(FileStream stream, byte[] buffer, string file)
    {
        try
        {
            return stream.Read(buffer);
        }
        catch (IOException e)
        {
            throw new BlindSpotsException($"{file}: cannot read ({e.Message})", e);
        }
    }

    private static string Decode(MemoryStream line, UTF8Encoding utf8, string file, int number)
    {
        if (line.Length > MaxLineBytes)
            throw new BlindSpotsException($"{file} line {number}: longer than {MaxLineBytes} bytes; not an attack result of this program");
        try
        {
            return utf8.GetString(line.GetBuffer(), 0, (int)line.Length);
        }
        catch (DecoderFallbackException)
        {
            throw new BlindSpotsException($"{file} line {number}: not UTF-8 text");
        }
    }
}
