using System.Buffers.Binary;
using System.IO.Compression;

namespace IlgpuBlindSpots.Tests.Data;

/// <summary>IDX reading and writing, raw and gzipped, and every way a file is refused.</summary>
public class IdxFileTests
{
    /// <summary>IDX bytes with any magic and dimensions, written by hand so headers can lie.</summary>
    internal static byte[] Idx(byte type, uint[] dims, byte[] data, int? rank = null)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        bytes[2] = type;
        bytes[3] = (byte)(rank ?? dims.Length);
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        data.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    internal static byte[] Gzip(byte[] bytes)
    {
        var o = new MemoryStream();
        using (var z = new GZipStream(o, CompressionLevel.Fastest)) z.Write(bytes);
        return o.ToArray();
    }

    internal static byte[] Pattern(int count, int seed)
    {
        var b = new byte[count];
        new Random(seed).NextBytes(b);
        return b;
    }

    private static void AssertRefused(string path, Action load, params string[] fragments)
    {
        var e = Assert.Throws<BlindSpotsException>(load);
        Assert.StartsWith(path + ":", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        foreach (var f in fragments) Assert.Contains(f, e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WriteThenReadGivesTheSameDimensionsAndBytes(bool gzip)
    {
        using var folder = new TempFolder();
        byte[] data = Pattern(5 * 3 * 4, 1);
        string path = folder.File("images");
        IdxFile.Write(path, [5, 3, 4], data, gzip);
        Assert.Equal(gzip, File.ReadAllBytes(path) is [0x1f, 0x8b, ..]);
        var file = IdxFile.ReadImages(path);
        Assert.Equal([5, 3, 4], file.Dimensions);
        Assert.Equal(data, file.Data);
        Assert.Equal(path, file.Path);
    }

    [Fact]
    public void GzipIsRecognisedByContentNotByName()
    {
        using var folder = new TempFolder();
        byte[] data = Pattern(2 * 2 * 2, 2);
        string gzNamedRaw = folder.Write("a.gz", Idx(8, [2, 2, 2], data));
        string rawNamedGz = folder.Write("b-idx3-ubyte", Gzip(Idx(8, [2, 2, 2], data)));
        Assert.Equal(data, IdxFile.ReadImages(gzNamedRaw).Data);
        Assert.Equal(data, IdxFile.ReadImages(rawNamedGz).Data);
    }

    [Fact]
    public void ReadsLargerThanOneChunkFromGzip()
    {
        // More than the 1 MiB first chunk, so the growing buffer is exercised.
        using var folder = new TempFolder();
        byte[] data = Pattern(1700 * 28 * 28, 3);
        string path = folder.Write("big.gz", Gzip(Idx(8, [1700, 28, 28], data)));
        Assert.Equal(data, IdxFile.ReadImages(path).Data);
    }

    [Fact]
    public void CommittedSampleIsTheFirstThousandMnistTestDigits()
    {
        var images = IdxFile.ReadImages(RepoFiles.Sample("t10k-images-idx3-ubyte.gz"));
        int[] labels = IdxFile.ReadLabels(RepoFiles.Sample("t10k-labels-idx1-ubyte.gz"));
        Assert.Equal([1000, 28, 28], images.Dimensions);
        Assert.Equal(1000, labels.Length);
        // The MNIST test set begins 7, 2, 1, 0, 4; every digit occurs in the first thousand.
        Assert.Equal([7, 2, 1, 0, 4], labels[..5]);
        Assert.Equal(10, labels.Distinct().Count());
        // Digits are white on a black border: corners are 0, every image has some ink.
        for (int n = 0; n < 1000; n++)
        {
            var image = images.Data.AsSpan(n * 784, 784);
            Assert.Equal(0, image[0]);
            Assert.Equal(0, image[783]);
            Assert.True(image.ToArray().Max() >= 250, $"digit {n} has no ink");
        }
    }

    [Fact]
    public void RefusesWrongMagic()
    {
        using var folder = new TempFolder();
        var bytes = Idx(8, [1, 2, 2], new byte[4]);
        bytes[0] = 0x12;
        string path = folder.Write("magic", bytes);
        AssertRefused(path, () => IdxFile.ReadImages(path), "not an IDX file");
    }

    [Theory]
    [InlineData(0x0D, "float32")]
    [InlineData(0x0C, "int32")]
    [InlineData(0x42, "unknown data type 0x42")]
    public void RefusesOtherDataTypes(byte type, string named)
    {
        using var folder = new TempFolder();
        string path = folder.Write("type", Idx(type, [1, 2, 2], new byte[16]));
        AssertRefused(path, () => IdxFile.ReadImages(path), named);
    }

    [Fact]
    public void RefusesWrongNumberOfDimensions()
    {
        using var folder = new TempFolder();
        string labels = folder.Write("labels", Idx(8, [4], new byte[4]));
        string images = folder.Write("images", Idx(8, [1, 2, 2], new byte[4]));
        string flat = folder.Write("flat", Idx(8, [2, 3], new byte[6]));
        string five = folder.Write("five", Idx(8, [1, 1, 1, 1, 1], new byte[1]));
        AssertRefused(labels, () => IdxFile.ReadImages(labels), "declares 1 dimensions", "3 or 4");
        AssertRefused(flat, () => IdxFile.ReadImages(flat), "declares 2 dimensions");
        AssertRefused(images, () => IdxFile.ReadLabels(images), "declares 3 dimensions", "label file has 1");
        AssertRefused(five, () => IdxFile.Read(five), "declares 5 dimensions");
    }

    [Fact]
    public void RefusesZeroAndAbsurdDimensions()
    {
        using var folder = new TempFolder();
        string zero = folder.Write("zero", Idx(8, [10, 0, 28], []));
        string absurd = folder.Write("absurd", Idx(8, [4_000_000_000, 28, 28], new byte[100]));
        AssertRefused(zero, () => IdxFile.ReadImages(zero), "zero dimension", "10×0×28");
        AssertRefused(absurd, () => IdxFile.ReadImages(absurd), "4000000000×28×28", "MiB");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RefusesShortDataWithoutAllocatingWhatTheHeaderDeclares(bool gzip)
    {
        using var folder = new TempFolder();
        // Declares 1000×1000×1000 bytes (just under the cap) but holds 1234.
        var bytes = Idx(8, [1000, 1000, 1000], Pattern(1234, 4));
        string path = folder.Write(gzip ? "short.gz" : "short", gzip ? Gzip(bytes) : bytes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        AssertRefused(path, () => IdxFile.ReadImages(path), "declares 1000×1000×1000 images but holds only 1234 bytes of pixels");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 8 << 20, "allocated from the header's claim");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RefusesTrailingData(bool gzip)
    {
        using var folder = new TempFolder();
        var bytes = Idx(8, [2, 2, 2], Pattern(8 + 5, 5));
        string path = folder.Write("trailing", gzip ? Gzip(bytes) : bytes);
        AssertRefused(path, () => IdxFile.ReadImages(path), "5 trailing bytes", "2×2×2 images");
    }

    [Fact]
    public void RefusesHeaderCutShort()
    {
        using var folder = new TempFolder();
        string tiny = folder.Write("tiny", [0, 0]);
        string cut = folder.Write("cut", Idx(8, [3, 28, 28], [])[..9]);
        AssertRefused(tiny, () => IdxFile.ReadImages(tiny), "too short");
        AssertRefused(cut, () => IdxFile.ReadImages(cut), "header ends");
    }

    [Fact]
    public void RefusesLabelsOutsideTheClasses()
    {
        using var folder = new TempFolder();
        string path = folder.Write("labels", Idx(8, [4], [3, 9, 10, 1]));
        AssertRefused(path, () => IdxFile.ReadLabels(path), "label 10 at index 2", "0..9");
        Assert.Equal([3, 9, 10, 1], IdxFile.ReadLabels(path, classes: 11));
        AssertRefused(path, () => IdxFile.ReadLabels(path, classes: 4), "label 9 at index 1", "0..3");
    }

    [Fact]
    public void RefusesCorruptGzipAndMissingFiles()
    {
        using var folder = new TempFolder();
        var gz = Gzip(Idx(8, [4], [1, 2, 3, 4]));
        gz[gz.Length / 2] ^= 0x55;
        gz[^6] ^= 0x55; // the CRC
        string corrupt = folder.Write("corrupt.gz", gz);
        string missing = folder.File("missing.gz");
        AssertRefused(corrupt, () => IdxFile.ReadLabels(corrupt));
        AssertRefused(missing, () => IdxFile.ReadLabels(missing), "no such file");
    }

    [Fact]
    public void MutatedFilesAreReadOrRefusedNeverCrash()
    {
        byte[] raw = Idx(8, [6, 5, 4], Pattern(120, 6));
        byte[] labels = Idx(8, [40], Pattern(40, 7).Select(b => (byte)(b % 10)).ToArray());
        var timeout = TimeSpan.FromSeconds(10);
        int refused = ByteMutation.LoadMutations(raw, 11, 300, "", p => IdxFile.ReadImages(p), timeout);
        refused += ByteMutation.LoadMutations(Gzip(raw), 12, 300, ".gz", p => IdxFile.ReadImages(p), timeout);
        refused += ByteMutation.LoadMutations(labels, 13, 200, "", p => IdxFile.ReadLabels(p), timeout);
        // gzip of damaged content: the IDX checks, not the gzip CRC, must catch these.
        var rng = new Random(14);
        using var folder = new TempFolder();
        for (int c = 0; c < 200; c++)
        {
            string path = folder.Write($"m{c}.gz", Gzip(ByteMutation.Mutate(raw, rng)));
            try { IdxFile.ReadImages(path); }
            catch (BlindSpotsException e) { Assert.Contains(path, e.Message); refused++; }
        }
        Assert.True(refused > 500, $"only {refused} of 1000 mutations were refused; the mutations do not bite");
    }
}
