using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace IlgpuBlindSpots.Network.Data;

/// <summary>
/// Model inputs from PNG and JPEG files: one file, or every image file of a folder sorted by name,
/// as float32 C×H×W in [0, 1] (byte / 255, as for IDX data and torchvision's <c>ToTensor</c>).
/// Only the PNG and JPEG codecs are registered, so no other format is ever decoded; the format is
/// told by the file's first bytes, not its name. Each file's header is read first (Identify): an
/// image larger than <see cref="PngImages.MaxSide"/> a side, or not of the size the model expects,
/// is refused before any pixel is decoded. Nothing is resized.
/// </summary>
public static class ImageFiles
{
    /// <summary>The file name endings read as images (any case), as in torchvision's ImageFolder.</summary>
    public static readonly IReadOnlyList<string> Extensions = [".png", ".jpg", ".jpeg"];

    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly byte[] JpegSignature = [0xFF, 0xD8, 0xFF];
    private static readonly Configuration PngAndJpeg = new(new PngConfigurationModule(), new JpegConfigurationModule());

    /// <summary>Whether <paramref name="path"/>'s name ends in one of <see cref="Extensions"/>.</summary>
    public static bool HasImageExtension(string path) =>
        Extensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    /// <summary>The image files directly in <paramref name="folder"/>, sorted by name (ordinal, as Python sorts).</summary>
    public static string[] InFolder(string folder)
    {
        var files = Directory.GetFiles(folder).Where(HasImageExtension).ToArray();
        Array.Sort(files, (a, b) => string.CompareOrdinal(Path.GetFileName(a), Path.GetFileName(b)));
        return files;
    }

    /// <summary>
    /// Loads one image file, or every image file of a folder sorted by file name, as a batch of
    /// [N, channels, height, width]. Every image must be exactly height × width. Colour is matched to
    /// what the model expects: a model wanting 1 channel given an RGB image gets its luminance
    /// 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601, as most image tools convert to grey; a grey pixel,
    /// R = G = B, stays exactly itself); a model wanting 3 channels given a grey image gets the grey
    /// value in all three. Images with transparent pixels are refused rather than composited onto a
    /// guessed background.
    /// </summary>
    /// <exception cref="BlindSpotsException">A file is missing, not a PNG or JPEG, damaged, or of another size.</exception>
    public static ImageBatch Load(string path, int channels, int height, int width)
    {
        string[] files;
        if (Directory.Exists(path))
        {
            files = InFolder(path);
            if (files.Length == 0)
                throw new BlindSpotsException($"{path}: folder holds no image files ({string.Join(", ", Extensions)})");
        }
        else if (File.Exists(path))
            files = [path];
        else
            throw new BlindSpotsException($"{path}: no such file or folder");
        return LoadFiles(path, files, channels, height, width);
    }

    /// <summary>Loads the given image files, in order, as one batch (see <see cref="Load"/>); <paramref name="source"/> names them in messages.</summary>
    public static ImageBatch LoadFiles(string source, IReadOnlyList<string> files, int channels, int height, int width)
    {
        if (channels != 1 && channels != 3)
            throw new BlindSpotsException($"{source}: the model expects {channels} channels; image inputs give 1 (grey) or 3 (RGB)");
        if (height < 1 || width < 1)
            throw new ArgumentException($"expected size {width}×{height} must be positive");
        int imageSize = channels * height * width;
        if ((long)files.Count * imageSize > Array.MaxLength)
            throw new BlindSpotsException($"{source}: {files.Count} images of {channels}×{height}×{width} do not fit in one batch");
        var pixels = new float[files.Count * imageSize];
        for (int i = 0; i < files.Count; i++)
            Decode(files[i], channels, height, width, pixels.AsSpan(i * imageSize, imageSize));
        return new ImageBatch(pixels, files.Count, channels, height, width, files);
    }

    /// <summary>
    /// Whether an exception out of a decoder means "this file is damaged". Besides its own
    /// ImageFormatException, the decoder throws assorted argument and index exceptions on malformed
    /// chunks (fuzzing found an ArgumentOutOfRangeException from a short pHYs chunk), so every failure
    /// of a decoder call is the file's fault, except running out of memory.
    /// </summary>
    private static bool IsDecoderFailure(Exception e) => e is not OutOfMemoryException and not BlindSpotsException;

    private static BlindSpotsException NotValid(string file, string format, Exception e) =>
        new($"{file}: not a valid {format} file ({e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")})", e);

    private static byte[] ReadBytes(string file)
    {
        try
        {
            long length = new FileInfo(file).Length;
            // An image of MaxSide² RGBA pixels compresses far below this; a bigger file is not an input image.
            if (length > (long)PngImages.MaxSide * PngImages.MaxSide * 4)
                throw new BlindSpotsException($"{file}: {length} bytes is too large for an input image");
            return File.ReadAllBytes(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BlindSpotsException($"{file}: cannot read ({e.Message})", e);
        }
    }

    private static string FormatOf(string file, byte[] bytes)
    {
        if (bytes.AsSpan().StartsWith(PngSignature)) return "PNG";
        if (bytes.AsSpan().StartsWith(JpegSignature)) return "JPEG";
        throw new BlindSpotsException($"{file}: not a PNG or JPEG file (it starts with neither signature)");
    }

    /// <summary>Reads the header only and checks the declared size, before anything is decoded.</summary>
    private static void CheckHeader(string file, string format, byte[] bytes, int height, int width)
    {
        IImageInfo? info;
        try
        {
            info = Image.Identify(PngAndJpeg, bytes, out _);
        }
        catch (Exception e) when (IsDecoderFailure(e))
        {
            throw NotValid(file, format, e);
        }
        if (info is null)
            throw new BlindSpotsException($"{file}: not a readable {format} file");
        if (info.Width > PngImages.MaxSide || info.Height > PngImages.MaxSide || info.Width < 1 || info.Height < 1)
            throw new BlindSpotsException($"{file}: declares {info.Width}×{info.Height} pixels, outside 1..{PngImages.MaxSide} a side");
        if (info.Width != width || info.Height != height)
            throw new BlindSpotsException($"{file}: is {info.Width}×{info.Height} pixels but the model expects {width}×{height} (images are not resized)");
    }

    private static void Decode(string file, int channels, int height, int width, Span<float> target)
    {
        byte[] bytes = ReadBytes(file);
        string format = FormatOf(file, bytes);
        CheckHeader(file, format, bytes, height, width);
        Image<Rgba32> decoded;
        try
        {
            decoded = Image.Load<Rgba32>(PngAndJpeg, bytes);
        }
        catch (Exception e) when (IsDecoderFailure(e))
        {
            throw NotValid(file, format, e);
        }
        using var image = decoded;
        if (image.Width != width || image.Height != height)
            throw new BlindSpotsException($"{file}: decodes to {image.Width}×{image.Height} pixels, not the {width}×{height} its header declares");
        int plane = height * width;
        for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
        {
            Rgba32 p = image[x, y];
            if (p.A != 255)
                throw new BlindSpotsException($"{file}: has a transparent pixel at ({x}, {y}); flatten it onto a background first");
            int i = y * width + x;
            if (channels == 3)
            {
                target[i] = p.R / 255f;
                target[plane + i] = p.G / 255f;
                target[2 * plane + i] = p.B / 255f;
            }
            else
                target[i] = p.R == p.G && p.G == p.B ? p.R / 255f : (0.299f * p.R + 0.587f * p.G + 0.114f * p.B) / 255f;
        }
    }
}
