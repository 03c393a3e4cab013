using System.Buffers.Binary;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace IlgpuBlindSpots.Tests.Data;

/// <summary>PNG inputs (colour matching, exact sizes, refusals) and grid PNG output.</summary>
public class PngImagesTests
{
    /// <summary>Values that survive 8 bits exactly: b / 255 for seeded random bytes b.</summary>
    private static float[] Levels(int count, int seed) => IdxFileTests.Pattern(count, seed).Select(b => b / 255f).ToArray();

    private static void AssertRefused(string path, Action load, params string[] fragments)
    {
        var e = Assert.Throws<BlindSpotsException>(load);
        Assert.StartsWith(path + ":", e.Message);
        foreach (var f in fragments) Assert.Contains(f, e.Message);
    }

    [Fact]
    public void GridHasCellsSeparatorsAndUpscaledPixels()
    {
        using var folder = new TempFolder();
        const int count = 5, h = 3, w = 2, columns = 2, scale = 3;
        float[] images = Rand.Uniform(31, count * h * w, -0.2f, 1.2f); // out-of-range values clamp
        string path = folder.File("grid.png");
        PngImages.WriteGrid(path, images, count, 1, h, w, columns, scale);

        using var grid = Image.Load<L8>(path);
        Assert.Equal(columns * w * scale + columns - 1, grid.Width);
        Assert.Equal(3 * h * scale + 2, grid.Height);
        for (int y = 0; y < grid.Height; y++)
        for (int x = 0; x < grid.Width; x++)
        {
            int cellX = x / (w * scale + 1), inX = x % (w * scale + 1);
            int cellY = y / (h * scale + 1), inY = y % (h * scale + 1);
            int n = cellY * columns + cellX;
            byte expected;
            if (inX == w * scale || inY == h * scale || n >= count)
                expected = PngImages.SeparatorGray;
            else
            {
                float v = images[n * h * w + (inY / scale) * w + inX / scale];
                expected = (byte)Math.Round(Math.Clamp(v, 0f, 1f) * 255f);
            }
            Assert.True(expected == grid[x, y].PackedValue, $"pixel ({x}, {y}): expected {expected}, got {grid[x, y].PackedValue}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void OneImageRoundTripsExactly(int channels)
    {
        using var folder = new TempFolder();
        float[] image = Levels(channels * 7 * 4, 32);
        string path = folder.File("one.png");
        PngImages.WriteGrid(path, image, 1, channels, 7, 4, columns: 1);
        var batch = ImageFiles.Load(path, channels, 7, 4);
        Assert.Equal((1, channels, 7, 4), (batch.Count, batch.Channels, batch.Height, batch.Width));
        Assert.Equal(image, batch.Pixels);
        Assert.Equal([path], batch.Files);
        Assert.Equal(new[] { "one.png" }, Directory.GetFiles(folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void GreyModelGetsTheLuminanceOfRgbAndGreyPixelsExactly()
    {
        using var folder = new TempFolder();
        // CHW planes R [10, 77], G [10, 77], B [30, 77]: pixel 0 is (10, 10, 30), pixel 1 grey (77, 77, 77).
        float[] rgb = [10 / 255f, 77 / 255f, 10 / 255f, 77 / 255f, 30 / 255f, 77 / 255f];
        string path = folder.File("rgb.png");
        PngImages.WriteGrid(path, rgb, 1, 3, 1, 2, 1);
        var grey = ImageFiles.Load(path, 1, 1, 2);
        Assert.Equal((0.299f * 10 + 0.587f * 10 + 0.114f * 30) / 255f, grey.Pixels[0], 6);
        Assert.Equal(77 / 255f, grey.Pixels[1]);
    }

    [Fact]
    public void RgbModelGetsGreyReplicated()
    {
        using var folder = new TempFolder();
        float[] grey = Levels(3 * 5, 33);
        string path = folder.File("grey.png");
        PngImages.WriteGrid(path, grey, 1, 1, 3, 5, 1);
        var rgb = ImageFiles.Load(path, 3, 3, 5);
        Assert.Equal(grey.Concat(grey).Concat(grey), rgb.Pixels);
    }

    [Fact]
    public void FolderLoadsEveryPngSortedByName()
    {
        using var folder = new TempFolder();
        string[] names = ["b.png", "a.png", "c.PNG"];
        var images = names.Select((_, i) => Levels(6, 40 + i)).ToArray();
        for (int i = 0; i < names.Length; i++) PngImages.WriteGrid(folder.File(names[i]), images[i], 1, 1, 2, 3, 1);
        folder.Write("notes.txt", Encoding.ASCII.GetBytes("not an image"));
        var batch = ImageFiles.Load(folder.Path, 1, 2, 3);
        Assert.Equal(new[] { "a.png", "b.png", "c.PNG" }, batch.Files.Select(Path.GetFileName));
        Assert.Equal(images[1].Concat(images[0]).Concat(images[2]), batch.Pixels);
    }

    [Fact]
    public void RefusesTheWrongSizeNamingBothSizes()
    {
        using var folder = new TempFolder();
        string path = folder.File("digit.png");
        PngImages.WriteGrid(path, Levels(4 * 5, 34), 1, 1, 4, 5, 1);
        AssertRefused(path, () => ImageFiles.Load(path, 1, 28, 28), "5×4", "28×28");
    }

    [Fact]
    public void RefusesDeclaredSizesAboveTheCapBeforeDecoding()
    {
        using var folder = new TempFolder();
        string wide = folder.File("wide.png");
        using (var image = new Image<L8>(PngImages.MaxSide + 1, 1)) image.SaveAsPng(wide);
        AssertRefused(wide, () => ImageFiles.Load(wide, 1, 1, PngImages.MaxSide + 1), "8193×1", "8192");

        // A valid-looking header declaring 100000×100000 pixels with no image data behind it.
        string huge = folder.Write("huge.png", PngHeaderOnly(100_000, 100_000));
        long before = GC.GetAllocatedBytesForCurrentThread();
        AssertRefused(huge, () => ImageFiles.Load(huge, 1, 28, 28), "100000×100000");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 8 << 20, "decoded the declared size");
    }

    [Fact]
    public void RefusesWhatIsNotAPng()
    {
        using var folder = new TempFolder();
        string text = folder.Write("text.png", Encoding.ASCII.GetBytes("hello, this is not an image at all"));
        string empty = folder.Write("empty.png", []);
        string jpeg = folder.Write("photo.png", [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0]);
        string good = folder.File("good.png");
        PngImages.WriteGrid(good, Levels(64, 35), 1, 1, 8, 8, 1);
        byte[] bytes = File.ReadAllBytes(good);
        string truncated = folder.Write("truncated.png", bytes[..(bytes.Length / 2)]);
        foreach (var p in new[] { text, empty })
            AssertRefused(p, () => ImageFiles.Load(p, 1, 8, 8), "not a PNG or JPEG");
        // The format is told by the bytes, not the name: a damaged JPEG named .png is refused as a JPEG.
        AssertRefused(jpeg, () => ImageFiles.Load(jpeg, 1, 8, 8), "JPEG file");
        AssertRefused(truncated, () => ImageFiles.Load(truncated, 1, 8, 8));
    }

    [Fact]
    public void RefusesTransparentPixelsEmptyFoldersAndMissingPaths()
    {
        using var folder = new TempFolder();
        string clear = folder.File("clear.png");
        using (var image = new Image<Rgba32>(2, 2, new Rgba32(255, 255, 255, 255)))
        {
            image[1, 0] = new Rgba32(0, 0, 0, 0);
            image.SaveAsPng(clear);
        }
        AssertRefused(clear, () => ImageFiles.Load(clear, 1, 2, 2), "transparent", "(1, 0)");
        string empty = Directory.CreateDirectory(folder.File("empty")).FullName;
        AssertRefused(empty, () => ImageFiles.Load(empty, 1, 2, 2), "no image files");
        string missing = folder.File("missing.png");
        AssertRefused(missing, () => ImageFiles.Load(missing, 1, 2, 2), "no such file");
        AssertRefused(clear, () => ImageFiles.Load(clear, 2, 2, 2), "2 channels");
    }

    [Fact]
    public void GridWriteRefusesBadInputAndLeavesTheOldFile()
    {
        using var folder = new TempFolder();
        string path = folder.File("grid.png");
        PngImages.WriteGrid(path, Levels(4, 36), 1, 1, 2, 2, 1);
        byte[] before = File.ReadAllBytes(path);
        float[] withNaN = Levels(8, 37);
        withNaN[6] = float.NaN;
        AssertRefused(path, () => PngImages.WriteGrid(path, withNaN, 2, 1, 2, 2, 2), "image 1", "NaN");
        AssertRefused(path, () => PngImages.WriteGrid(path, new float[8], 1, 2, 2, 2, 1), "2-channel");
        AssertRefused(path, () => PngImages.WriteGrid(path, new float[4 * 100 * 100], 4, 1, 100, 100, 4, scale: 30), "larger than 8192");
        AssertRefused(path, () => PngImages.WriteGrid(path, new float[4], 1, 1, 2, 2, 0), "column");
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void MutatedPngsAreReadOrRefusedNeverCrash()
    {
        using var folder = new TempFolder();
        string grey = folder.File("grey.png"), rgb = folder.File("rgb.png");
        PngImages.WriteGrid(grey, Levels(3 * 6 * 5, 38), 3, 1, 6, 5, 2);
        PngImages.WriteGrid(rgb, Levels(3 * 3 * 6 * 5, 39), 3, 3, 6, 5, 2);
        var timeout = TimeSpan.FromSeconds(10);
        // 2 columns, 2 rows of 6×5 cells: 11×13 pixels.
        int refused = ByteMutation.LoadMutations(File.ReadAllBytes(grey), 51, 300, ".png", p => ImageFiles.Load(p, 1, 13, 11), timeout);
        refused += ByteMutation.LoadMutations(File.ReadAllBytes(rgb), 52, 300, ".png", p => ImageFiles.Load(p, 3, 13, 11), timeout);
        Assert.True(refused > 300, $"only {refused} of 600 mutations were refused; the mutations do not bite");
    }

    /// <summary>PNG signature, an IHDR chunk (8-bit greyscale) with a correct CRC, and IEND: no pixel data.</summary>
    private static byte[] PngHeaderOnly(int width, int height)
    {
        var o = new MemoryStream();
        o.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth; colour type 0 (grey), compression, filter, interlace all 0
        WriteChunk(o, "IHDR", ihdr);
        WriteChunk(o, "IEND", []);
        return o.ToArray();
    }

    private static void WriteChunk(Stream o, string type, byte[] data)
    {
        Span<byte> four = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(four, data.Length);
        o.Write(four);
        byte[] typed = [.. Encoding.ASCII.GetBytes(type), .. data];
        o.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(four, Crc32(typed));
        o.Write(four);
    }

    /// <summary>The CRC-32 PNG chunks carry (reflected polynomial 0xEDB88320), bit by bit.</summary>
    private static uint Crc32(byte[] bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }
}
