using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace IlgpuBlindSpots.Tests.Data;

/// <summary>
/// JPEG inputs beside PNG, and torchvision's ImageFolder layout: one sub-folder per class, classes
/// sorted by name or as a class list gives them, mixed sizes and unreadable files refused in one line.
/// </summary>
public class ImageFolderTests
{
    private static float[] Levels(int count, int seed) => IdxFileTests.Pattern(count, seed).Select(b => b / 255f).ToArray();

    private static void Png(string path, float[] chw, int channels, int h, int w) =>
        PngImages.WriteGrid(path, chw, 1, channels, h, w, 1);

    [Fact]
    public void JpegReadsLikeTheImageItEncodesAndTellsItsFormatByItsBytes()
    {
        using var folder = new TempFolder();
        // A smooth colour gradient survives JPEG at quality 100 to within a few levels.
        const int h = 16, w = 24;
        using (var image = new Image<Rgb24>(w, h))
        {
            for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) image[x, y] = new Rgb24((byte)(10 * x), (byte)(15 * y), 128);
            image.Save(folder.File("photo.JPG"), new JpegEncoder { Quality = 100, ColorType = JpegColorType.YCbCrRatio444 });
        }
        var batch = ImageFiles.Load(folder.File("photo.JPG"), 3, h, w);
        Assert.Equal((1, 3, h, w), (batch.Count, batch.Channels, batch.Height, batch.Width));
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
        {
            Assert.InRange(batch.Pixels[y * w + x] * 255, 10 * x - 3, 10 * x + 3);
            Assert.InRange(batch.Pixels[h * w + y * w + x] * 255, 15 * y - 3, 15 * y + 3);
            Assert.InRange(batch.Pixels[2 * h * w + y * w + x] * 255, 125, 131);
        }
        // A PNG named .jpg is read as the PNG it is.
        float[] grey = Levels(h * w, 3);
        Png(folder.File("really-a-png.jpg"), grey, 1, h, w);
        Assert.Equal(grey, ImageFiles.Load(folder.File("really-a-png.jpg"), 1, h, w).Pixels);
        var e = Assert.Throws<BlindSpotsException>(() => ImageFiles.Load(folder.File("photo.JPG"), 3, 32, 32));
        Assert.Equal($"{folder.File("photo.JPG")}: is 24×16 pixels but the model expects 32×32 (images are not resized)", e.Message);
        string text = folder.Write("notes.jpeg", "GIF89a"u8.ToArray());
        e = Assert.Throws<BlindSpotsException>(() => ImageFiles.Load(text, 3, h, w));
        Assert.StartsWith($"{text}: not a PNG or JPEG file", e.Message);
        string broken = folder.Write("broken.jpg", [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 1, 2, 3]);
        e = Assert.Throws<BlindSpotsException>(() => ImageFiles.Load(broken, 3, h, w));
        Assert.StartsWith($"{broken}: not a ", e.Message);
        Assert.Contains("JPEG file", e.Message);
    }

    [Fact]
    public void ClassesAreTheSortedSubFoldersAndImagesTheirSortedFiles()
    {
        using var folder = new TempFolder();
        var images = Enumerable.Range(0, 4).Select(i => Levels(3 * 2 * 5, 60 + i)).ToArray();
        Directory.CreateDirectory(folder.File("dog"));
        Directory.CreateDirectory(folder.File("cat"));
        Png(Path.Combine(folder.Path, "dog", "b.png"), images[0], 3, 2, 5);
        Png(Path.Combine(folder.Path, "dog", "a.png"), images[1], 3, 2, 5);
        Png(Path.Combine(folder.Path, "cat", "z.png"), images[2], 3, 2, 5);
        File.WriteAllText(Path.Combine(folder.Path, "cat", "README.txt"), "skipped, as torchvision skips it");
        Assert.True(ImageFolder.IsImageFolder(folder.Path));

        var sorted = ImageFolder.Load(folder.Path, null, 3, 2, 5);
        Assert.Equal(["cat", "dog"], sorted.ClassNames);
        Assert.Equal([0, 1, 1], sorted.Set.Labels);
        Assert.Equal(["z.png", "a.png", "b.png"], sorted.Files.Select(Path.GetFileName));
        Assert.Equal(images[2].Concat(images[1]).Concat(images[0]), sorted.Set.Images);

        // A class list fixes the indices (here with a class that has no folder); the sample order stays torchvision's.
        var listed = ImageFolder.Load(folder.Path, ImageFolder.ParseClassList("bird, dog, cat", "--classes"), 3, 2, 5);
        Assert.Equal(3, listed.Set.Classes);
        Assert.Equal([2, 1, 1], listed.Set.Labels);

        var e = Assert.Throws<BlindSpotsException>(() => ImageFolder.Load(folder.Path, ["dog"], 3, 2, 5));
        Assert.Contains("sub-folder 'cat' is not one of the 1 classes given", e.Message);
        Png(Path.Combine(folder.Path, "dog", "c.png"), Levels(3 * 4 * 5, 70), 3, 4, 5);
        e = Assert.Throws<BlindSpotsException>(() => ImageFolder.Load(folder.Path, null, 3, 2, 5));
        Assert.Equal($"{Path.Combine(folder.Path, "dog", "c.png")}: is 5×4 pixels but the model expects 5×2 (images are not resized)", e.Message);
        File.Delete(Path.Combine(folder.Path, "dog", "c.png"));
        File.WriteAllText(Path.Combine(folder.Path, "dog", "d.png"), "not an image");
        e = Assert.Throws<BlindSpotsException>(() => ImageFolder.Load(folder.Path, null, 3, 2, 5));
        Assert.StartsWith($"{Path.Combine(folder.Path, "dog", "d.png")}: not a PNG or JPEG file", e.Message);
        Directory.CreateDirectory(folder.File("empty"));
        e = Assert.Throws<BlindSpotsException>(() => ImageFolder.Load(folder.Path, null, 3, 2, 5));
        Assert.StartsWith($"{folder.File("empty")}: holds no image files", e.Message);
    }
}
