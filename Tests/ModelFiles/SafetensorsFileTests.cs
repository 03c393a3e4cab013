using System.Buffers.Binary;
using System.Text;

namespace IlgpuBlindSpots.Tests.ModelFiles;

/// <summary>Safetensors round trips, the other float dtypes, and every way a file is refused.</summary>
public class SafetensorsFileTests
{
    /// <summary>A safetensors file by hand: a header length (the true one unless given), the header, the data.</summary>
    internal static byte[] Build(string header, byte[] data, ulong? declaredLength = null)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredLength ?? (ulong)json.Length);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        return bytes;
    }

    private static byte[] Floats(params float[] values)
    {
        var b = new byte[4 * values.Length];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(4 * i), values[i]);
        return b;
    }

    private static void AssertRefused(string path, Action load, params string[] fragments)
    {
        var e = Assert.Throws<BlindSpotsException>(load);
        Assert.StartsWith(path + ":", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        foreach (var f in fragments) Assert.Contains(f, e.Message);
    }

    private static void AssertRefused(string header, byte[] data, params string[] fragments)
    {
        using var folder = new TempFolder();
        string path = folder.Write("model.safetensors", Build(header, data));
        AssertRefused(path, () => SafetensorsFile.Read(path), fragments);
    }

    [Fact]
    public void WriteThenReadGivesIdenticalTensorsAndMetadata()
    {
        using var folder = new TempFolder();
        NamedTensor[] tensors =
        [
            new("2.weight", [5, 3, 2, 2], Rand.Uniform(61, 60)),
            new("2.bias", [5], Rand.Uniform(62, 5)),
            new("0.weight", [7, 13], Rand.Uniform(63, 91, -1e30f, 1e30f)),
            new("scalar", [], [float.Epsilon]),
            new("empty", [0, 3], []),
        ];
        var metadata = new Dictionary<string, string> { ["arch"] = "fc:7,relu", ["input"] = "1x28x28", ["note"] = "ünïcode \"quoted\"" };
        string path = folder.File("model.safetensors");
        SafetensorsFile.Write(path, tensors, metadata);

        var file = SafetensorsFile.Read(path);
        Assert.Equal(metadata, file.Metadata);
        Assert.Equal(tensors.Select(t => t.Name).Order(StringComparer.Ordinal), file.Tensors.Select(t => t.Name));
        foreach (var t in tensors)
        {
            var read = file.Get(t.Name);
            Assert.Equal(t.Shape, read.Shape);
            Assert.Equal(t.Data, read.Data);
        }
        Assert.Equal(new[] { "model.safetensors" }, Directory.GetFiles(folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void WritingIsDeterministicAndAligned()
    {
        using var folder = new TempFolder();
        NamedTensor a = new("a", [3], [1, 2, 3]), b = new("b", [1], [4]);
        var metadata = new Dictionary<string, string> { ["z"] = "1", ["y"] = "2" };
        string first = folder.File("1.safetensors"), second = folder.File("2.safetensors");
        SafetensorsFile.Write(first, [a, b], metadata);
        SafetensorsFile.Write(second, [b, a], metadata.Reverse().ToDictionary());
        byte[] bytes = File.ReadAllBytes(first);
        Assert.Equal(bytes, File.ReadAllBytes(second));
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0ul, headerLength % 8);
        Assert.Equal(Floats(1, 2, 3, 4), bytes[(8 + (int)headerLength)..]);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
        Assert.StartsWith("{\"__metadata__\":{\"y\":\"2\",\"z\":\"1\"},\"a\":", header);
    }

    [Fact]
    public void ReadsF64F16AndBf16AsFloat32()
    {
        var data = new List<byte>();
        var f64 = new byte[16];
        BinaryPrimitives.WriteDoubleLittleEndian(f64, 1.5);
        BinaryPrimitives.WriteDoubleLittleEndian(f64.AsSpan(8), -2.25);
        data.AddRange(f64);
        var f16 = new byte[4];
        BinaryPrimitives.WriteHalfLittleEndian(f16, (Half)0.5f);
        BinaryPrimitives.WriteHalfLittleEndian(f16.AsSpan(2), (Half)(-3f));
        data.AddRange(f16);
        var bf16 = new byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(bf16, (ushort)(BitConverter.SingleToUInt32Bits(1f) >> 16));
        BinaryPrimitives.WriteUInt16LittleEndian(bf16.AsSpan(2), (ushort)(BitConverter.SingleToUInt32Bits(-2.5f) >> 16));
        data.AddRange(bf16);
        string header = """{"d":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"h":{"dtype":"F16","shape":[2,1],"data_offsets":[16,20]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[20,24]}}""";
        using var folder = new TempFolder();
        var file = SafetensorsFile.Read(folder.Write("mixed.safetensors", Build(header, [.. data])));
        Assert.Equal([1.5f, -2.25f], file.Get("d").Data);
        Assert.Equal([0.5f, -3f], file.Get("h").Data);
        Assert.Equal([2, 1], file.Get("h").Shape);
        Assert.Equal([1f, -2.5f], file.Get("b").Data);
        Assert.Empty(file.Metadata);
    }

    [Fact]
    public void RefusesHeaderLengthsPastTheEndOrAbsurd()
    {
        using var folder = new TempFolder();
        string header = """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""";
        string past = folder.Write("past.safetensors", Build(header, Floats(1), declaredLength: 1000));
        string absurd = folder.Write("absurd.safetensors", Build(header, Floats(1), declaredLength: 1ul << 40));
        string tiny = folder.Write("tiny.safetensors", [1, 2, 3]);
        AssertRefused(past, () => SafetensorsFile.Read(past), "header of 1000 bytes", "past the end");
        AssertRefused(absurd, () => SafetensorsFile.Read(absurd), "1099511627776");
        AssertRefused(tiny, () => SafetensorsFile.Read(tiny), "too short");
    }

    [Theory]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}""", "not valid JSON")]
    [InlineData("""[1, 2]""", "not an object")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", "'a' twice")]
    [InlineData("""{"__metadata__":{"k":1},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", "metadata 'k'")]
    [InlineData("""{"a":"F32"}""", "tensor 'a'")]
    public void RefusesMalformedHeaders(string header, string fragment) => AssertRefused(header, Floats(1), fragment);

    [Fact]
    public void RefusesAHeaderThatIsNotUtf8()
    {
        byte[] header = Encoding.UTF8.GetBytes("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""");
        header[2] = 0xFF; // inside the name "a"
        var bytes = new byte[8 + header.Length + 4];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        using var folder = new TempFolder();
        string path = folder.Write("latin.safetensors", bytes);
        AssertRefused(path, () => SafetensorsFile.Read(path), "UTF-8");
    }

    [Theory]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", "past the end")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}""", "end before they begin")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}""", "non-negative")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}}""", "data_offsets")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,2]}}""", "needs 4")]
    public void RefusesOffsetsOutOfRangeOrNotMatchingTheShape(string header, string fragment) =>
        AssertRefused(header, Floats(1), "tensor 'a'", fragment);

    [Fact]
    public void RefusesOverlapGapsAndTrailingBytes()
    {
        AssertRefused("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""",
            Floats(1, 2), "'b'", "overlaps", "'a'");
        AssertRefused("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", Floats(1, 2), "bytes 0..4", "no tensor");
        AssertRefused("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", Floats(1, 2), "4 trailing bytes");
        AssertRefused("""{}""", Floats(1), "4 trailing bytes");
    }

    [Theory]
    [InlineData("Q7", "unknown dtype 'Q7'")]
    [InlineData("I64", "dtype I64", "only F32")]
    [InlineData("U8", "dtype U8")]
    public void RefusesDTypesItDoesNotRead(string dtype, params string[] fragments) =>
        AssertRefused($$$"""{"a":{"dtype":"{{{dtype}}}","shape":[1],"data_offsets":[0,4]}}""", Floats(1), fragments);

    [Theory]
    [InlineData("[2,-1]", "negative dimension -1")]
    [InlineData("[1.5]", "not an integer")]
    [InlineData("[100000,100000,100000]", "too many")]
    public void RefusesBadShapes(string shape, string fragment) =>
        AssertRefused($$$"""{"a":{"dtype":"F32","shape":{{{shape}}},"data_offsets":[0,4]}}""", Floats(1), "tensor 'a'", fragment);

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "+Inf")]
    [InlineData(float.NegativeInfinity, "-Inf")]
    public void RefusesNonFiniteWeightsNamingTheTensor(float bad, string named)
    {
        AssertRefused("""{"ok":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"3.weight":{"dtype":"F32","shape":[2,2],"data_offsets":[4,20]}}""",
            Floats(1, 0, 2, bad, 3), "tensor '3.weight'", named, "index 2");
    }

    [Fact]
    public void RefusesF16InfinityAndF64BeyondFloat32()
    {
        var half = new byte[2];
        BinaryPrimitives.WriteHalfLittleEndian(half, Half.PositiveInfinity);
        AssertRefused("""{"h":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}""", half, "'h'", "+Inf");
        var big = new byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(big, 1e300);
        AssertRefused("""{"d":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}""", big, "'d'", "float32 range");
    }

    [Fact]
    public void MissingFilesAndTensorsAreNamed()
    {
        using var folder = new TempFolder();
        string missing = folder.File("none.safetensors");
        AssertRefused(missing, () => SafetensorsFile.Read(missing), "no such file");
        string path = folder.File("m.safetensors");
        SafetensorsFile.Write(path, [new NamedTensor("0.weight", [1], [1f]), new NamedTensor("0.bias", [1], [0f])]);
        var file = SafetensorsFile.Read(path);
        AssertRefused(path, () => file.Get("2.weight"), "'2.weight'", "0.bias, 0.weight");
        Assert.False(file.TryGet("2.weight", out _));
    }

    [Fact]
    public void WriteRefusesWhatItCouldNotReadBack()
    {
        using var folder = new TempFolder();
        string path = folder.File("w.safetensors");
        AssertRefused(path, () => SafetensorsFile.Write(path, [new NamedTensor("a", [2], [1f, float.NaN])]), "'a'", "NaN");
        AssertRefused(path, () => SafetensorsFile.Write(path, [new NamedTensor("a", [2, 2], [1f])]), "'a'", "needs 4");
        AssertRefused(path, () => SafetensorsFile.Write(path, [new NamedTensor("a", [1], [1f]), new NamedTensor("a", [1], [2f])]), "two tensors", "'a'");
        AssertRefused(path, () => SafetensorsFile.Write(path, [new NamedTensor("__metadata__", [1], [1f])]), "__metadata__");
        Assert.Empty(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void MutatedFilesAreReadOrRefusedNeverCrash()
    {
        using var folder = new TempFolder();
        string written = folder.File("w.safetensors");
        SafetensorsFile.Write(written, [new NamedTensor("0.weight", [3, 4], Rand.Uniform(64, 12)), new NamedTensor("0.bias", [3], Rand.Uniform(65, 3))],
            new Dictionary<string, string> { ["arch"] = "fc:3" });
        var timeout = TimeSpan.FromSeconds(10);
        int refused = ByteMutation.LoadMutations(File.ReadAllBytes(written), 71, 300, ".safetensors", p => SafetensorsFile.Read(p), timeout);
        refused += ByteMutation.LoadMutations(File.ReadAllBytes(RepoFiles.Fixture("tiny_conv.safetensors")), 72, 300, ".safetensors",
            p => SafetensorsFile.Read(p), timeout);
        Assert.True(refused > 300, $"only {refused} of 600 mutations were refused; the mutations do not bite");
    }
}
