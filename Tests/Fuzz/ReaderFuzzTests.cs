using System.Buffers.Binary;
using System.Text;
using IlgpuBlindSpots.Cli.AttackRuns;
using IlgpuBlindSpots.Tests.Data;
using Xunit.Abstractions;

namespace IlgpuBlindSpots.Tests.Fuzz;

/// <summary>
/// A seeded mutation test over every reader of a file a user hands the program: model files
/// (safetensors, bytes and header), ONNX, IDX (raw, gzipped, labels), PNG, and the files of an attack
/// output folder (results, run description, completion record, exact-input files) read back by merge
/// and resume. Each case must be read or refused with one line naming the file, never another
/// exception, never a hang, and must allocate no more than a fixed allowance plus a small multiple
/// of the file's size. The case count is printed; the mutations must bite (most are refused).
/// </summary>
public sealed class ReaderFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int Seed = 16;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly TempFolder folder = new();
    private readonly Dictionary<string, (int Cases, int Refused)> tally = [];

    public void Dispose() => folder.Dispose();

    /// <summary>What one case may allocate: 64 MiB plus 64 times the mutated file (a PNG decodes to RGBA, gzip inflates).</summary>
    private static long Allowance(long fileBytes) => (64L << 20) + 64 * fileBytes;

    [Fact]
    public void EveryReaderReadsOrRefusesEveryMutationInOneLine()
    {
        var rng = new Random(Seed);
        FuzzModels(rng);
        FuzzData(rng);
        FuzzRunFolder(rng);

        int cases = tally.Values.Sum(t => t.Cases), refused = tally.Values.Sum(t => t.Refused);
        foreach (var (kind, (c, r)) in tally) output.WriteLine($"{kind}: {c} cases, {r} refused");
        output.WriteLine($"total: {cases} cases, {refused} refused");
        Assert.True(cases >= 400, $"only {cases} cases");
        Assert.True(refused > cases / 2, $"only {refused} of {cases} mutations were refused: they do not bite");
    }

    private void FuzzModels(Random rng)
    {
        byte[] safetensors = File.ReadAllBytes(RepoFiles.Fixture("tiny_mlp.safetensors"));
        Fuzz("safetensors bytes", 50, ".safetensors", () => ByteMutation.Mutate(safetensors, rng), LoadModel);
        Fuzz("safetensors header", 70, ".safetensors", () => MutateHeader(safetensors, rng), LoadModel);
        byte[] onnx = File.ReadAllBytes(RepoFiles.Fixture("onnx/tiny_mlp.onnx"));
        Fuzz("onnx", 50, ".onnx", () => ByteMutation.Mutate(onnx, rng), LoadModel);
    }

    private static void LoadModel(string path) => ModelFile.Load(TestDevice.Current, path).Dispose();

    /// <summary>A safetensors file with its JSON header mutated (wrong types, huge shapes and offsets, keys twice or reordered), its length field fixed up or not.</summary>
    private static byte[] MutateHeader(byte[] valid, Random rng)
    {
        int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(valid);
        string header = Encoding.UTF8.GetString(valid, 8, length);
        string mutated = rng.Next(4) == 0 ? HugeDeclaration(header, rng) : JsonMutation.Mutate(header, rng);
        byte[] json = Encoding.UTF8.GetBytes(mutated);
        var bytes = new byte[8 + json.Length + valid.Length - 8 - length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, rng.Next(3) == 0 ? (ulong)length : (ulong)json.Length);
        json.CopyTo(bytes, 8);
        valid.AsSpan(8 + length).CopyTo(bytes.AsSpan(8 + json.Length));
        return bytes;
    }

    /// <summary>Metadata declaring a model far larger than the tensors present.</summary>
    private static string HugeDeclaration(string header, Random rng)
    {
        var root = System.Text.Json.Nodes.JsonNode.Parse(header)!.AsObject();
        var metadata = root["__metadata__"]!.AsObject();
        switch (rng.Next(3))
        {
            case 0: metadata["arch"] = "fc:30000,fc:30000,fc:10"; break;
            case 1: metadata["input"] = rng.Next(2) == 0 ? "1x20000x20000" : "4096x8192x8192"; break;
            default: metadata["arch"] = "conv:4096x3x3,relu,conv:4096x3x3,fc:10"; break;
        }
        return root.ToJsonString();
    }

    private void FuzzData(Random rng)
    {
        var sample = IdxFile.ReadImages(RepoFiles.Sample("t10k-images-idx3-ubyte.gz"));
        byte[] images = IdxFileTests.Idx(0x08, [20, 28, 28], sample.Data[..(20 * 784)]);
        byte[] labels = IdxFileTests.Idx(0x08, [20], Enumerable.Range(0, 20).Select(i => (byte)(i % 10)).ToArray());
        Fuzz("idx raw", 40, "", () => ByteMutation.Mutate(images, rng), p => IdxFile.ReadImages(p));
        Fuzz("idx gzip", 40, ".gz", () => rng.Next(2) == 0 ? ByteMutation.Mutate(IdxFileTests.Gzip(images), rng)
            : IdxFileTests.Gzip(ByteMutation.Mutate(images, rng)), p => IdxFile.ReadImages(p));
        Fuzz("idx labels", 25, "", () => ByteMutation.Mutate(labels, rng), p => IdxFile.ReadLabels(p));

        string png = folder.File("digit.png");
        PngImages.WriteGrid(png, sample.Data[..784].Select(b => b / 255f).ToArray(), 1, 1, 28, 28, 1);
        byte[] pngBytes = File.ReadAllBytes(png);
        Fuzz("png", 40, ".png", () => ByteMutation.Mutate(pngBytes, rng), p => ImageFiles.Load(p, 1, 28, 28));

        string jpeg = folder.File("digit.jpg");
        using (var image = SixLabors.ImageSharp.Image.Load(pngBytes)) SixLabors.ImageSharp.ImageExtensions.SaveAsJpeg(image, jpeg);
        byte[] jpegBytes = File.ReadAllBytes(jpeg);
        Fuzz("jpeg", 40, ".jpg", () => ByteMutation.Mutate(jpegBytes, rng), p => ImageFiles.Load(p, 1, 28, 28));
        string npy = folder.File("digits.npy");
        NpyFile.Write(npy, NpyType.UInt8, [20, 28, 28], sample.Data[..(20 * 784)]);
        byte[] npyBytes = File.ReadAllBytes(npy);
        Fuzz("npy", 40, ".npy", () => ByteMutation.Mutate(npyBytes, rng), p => NpyFile.Read(p).ToFloats());
    }

    private void FuzzRunFolder(Random rng)
    {
        string valid = folder.File("run");
        var (code, _, err) = CliRun.Run("attack", "--model", System.IO.Path.Combine(RepoFiles.Root, "models", "fc100-100-10.safetensors"),
            "--data", "sample", "--range", "0:4", "--batch", "4", "--device", TestDevice.Spec, "--out", valid);
        Assert.True(code == 0, err);
        string results = File.ReadAllText(System.IO.Path.Combine(valid, RunFolder.ResultsFile));
        string exact = Directory.GetFiles(System.IO.Path.Combine(valid, "adversarial"), "*.safetensors")[0];

        FuzzRunFile("results.jsonl rows", 60, valid, RunFolder.ResultsFile, () => MutateRows(results, rng));
        FuzzRunFile("results.jsonl bytes", 20, valid, RunFolder.ResultsFile, () => ByteMutation.Mutate(Encoding.UTF8.GetBytes(results), rng));
        string run = File.ReadAllText(System.IO.Path.Combine(valid, RunFolder.RunFile));
        FuzzRunFile("run.json", 40, valid, RunFolder.RunFile, () => Encoding.UTF8.GetBytes(JsonMutation.Mutate(run, rng)));
        string complete = File.ReadAllText(System.IO.Path.Combine(valid, RunFolder.CompleteFile));
        FuzzRunFile("complete.json", 25, valid, RunFolder.CompleteFile, () => Encoding.UTF8.GetBytes(JsonMutation.Mutate(complete, rng)));
        byte[] exactBytes = File.ReadAllBytes(exact);
        string relative = System.IO.Path.GetRelativePath(valid, exact);
        FuzzRunFile("exact-input file", 30, valid, relative, () => rng.Next(2) == 0 ? ByteMutation.Mutate(exactBytes, rng) : MutateHeader(exactBytes, rng));
    }

    /// <summary>One row of a results file mutated as JSON, or rows dropped, repeated or reordered.</summary>
    private static byte[] MutateRows(string results, Random rng)
    {
        var rows = results.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        switch (rng.Next(4))
        {
            case 0: rows.Insert(rng.Next(rows.Count + 1), rows[rng.Next(rows.Count)]); break;
            case 1: rows.RemoveAt(rng.Next(rows.Count)); break;
            case 2: rows = [.. rows.OrderBy(_ => rng.Next())]; break;
            default:
                int i = rng.Next(rows.Count);
                rows[i] = JsonMutation.Mutate(rows[i], rng);
                break;
        }
        return Encoding.UTF8.GetBytes(string.Join("\n", rows) + (rng.Next(4) == 0 ? "" : "\n"));
    }

    /// <summary>Copies the valid run, replaces one of its files with each mutation, and reads it as merge (in full, through the command) and as resume do.</summary>
    private void FuzzRunFile(string kind, int cases, string valid, string file, Func<byte[]> mutate)
    {
        for (int c = 0; c < cases; c++)
        {
            string copy = folder.File($"{kind.Replace(' ', '-')}-{c}");
            foreach (string dir in Directory.GetDirectories(valid, "*", SearchOption.AllDirectories))
                Directory.CreateDirectory(dir.Replace(valid, copy));
            foreach (string f in Directory.GetFiles(valid, "*", SearchOption.AllDirectories))
                File.Copy(f, f.Replace(valid, copy));
            byte[] bytes = mutate();
            File.WriteAllBytes(System.IO.Path.Combine(copy, file), bytes);
            bool refused = false;
            Case(kind, c, copy, bytes.Length, () =>
            {
                var result = CliRun.Run("merge", copy, "--out", copy + "-merged");
                if (result.Code != 0) CliRun.Refused(result);
                refused = result.Code != 0;
            }, count: false);
            Case(kind, c, copy, bytes.Length, () => RunReader.ReadPartial(copy, RunReader.ReadDescription(copy).Scope), count: false);
            Count(kind, refused);
            Directory.Delete(copy, recursive: true);
            if (Directory.Exists(copy + "-merged")) Directory.Delete(copy + "-merged", recursive: true);
        }
    }

    private void Fuzz(string kind, int cases, string extension, Func<byte[]> mutate, Action<string> read)
    {
        for (int c = 0; c < cases; c++)
        {
            byte[] bytes = mutate();
            string path = folder.Write($"{kind.Replace(' ', '-')}-{c}{extension}", bytes);
            Case(kind, c, path, bytes.Length, () => read(path), count: true);
            File.Delete(path);
        }
    }

    /// <summary>Runs one read: it succeeds, or throws a one-line BlindSpotsException naming <paramref name="path"/>; it takes bounded memory and time.</summary>
    private void Case(string kind, int c, string path, long size, Action read, bool count)
    {
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var task = Task.Run(read);
        bool refused = false;
        try
        {
            Assert.True(task.Wait(Timeout), $"{kind} case {c} (seed {Seed}): still reading after {Timeout.TotalSeconds} s");
        }
        catch (AggregateException e) when (e.InnerException is BlindSpotsException b)
        {
            Assert.Contains(path, b.Message);
            Assert.DoesNotContain('\n', b.Message);
            refused = true;
        }
        catch (AggregateException e)
        {
            Assert.Fail($"{kind} case {c} (seed {Seed}): {e.InnerException!.GetType().Name} instead of a one-line refusal: {e.InnerException}");
        }
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.True(allocated < Allowance(size), $"{kind} case {c} (seed {Seed}): allocated {allocated >> 20} MiB for a file of {size} bytes");
        if (count) Count(kind, refused);
    }

    private void Count(string kind, bool refused)
    {
        var (cases, r) = tally.GetValueOrDefault(kind);
        tally[kind] = (cases + 1, r + (refused ? 1 : 0));
    }
}
