using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace IlgpuBlindSpots.Network.Data;

/// <summary>
/// PNG files in and out: model inputs from PNG files, and a batch of images written as one grid PNG.
/// Only the PNG codec is registered, so no other format is ever decoded. Pixels are float32 in
/// [0, 1] (byte / 255, as for IDX data), NCHW.
/// </summary>
public static class PngImages
{
    /// <summary>The largest width or height read or written; checked on the header before decoding.</summary>
    public const int MaxSide = 8192;

    /// <summary>Grey of the 1-pixel lines between the cells of a grid (and of empty cells).</summary>
    public const byte SeparatorGray = 128;

    private static readonly byte[] Signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly Configuration PngOnly = new(new PngConfigurationModule());

    /// <summary>
    /// Loads one PNG file, or every *.png of a folder sorted by file name, as a batch of
    /// [N, channels, height, width]. Every image must be exactly height × width: nothing is resized.
    /// Colour is matched to what the model expects: a model wanting 1 channel given an RGB image gets
    /// its luminance 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601, as most image tools convert to grey;
    /// a grey pixel, R = G = B, stays exactly itself); a model wanting 3 channels given a grey image
    /// gets the grey value in all three. Images with transparent pixels are refused rather than
    /// composited onto a guessed background.
    /// </summary>
    public static ImageBatch Load(string path, int channels, int height, int width)
    {
        if (channels != 1 && channels != 3)
            throw new BlindSpotsException($"{path}: the model expects {channels} channels; PNG inputs give 1 (grey) or 3 (RGB)");
        if (height < 1 || width < 1)
            throw new ArgumentException($"expected size {width}×{height} must be positive");
        string[] files;
        if (Directory.Exists(path))
        {
            files = Directory.GetFiles(path, "*.png", new EnumerationOptions { MatchCasing = MatchCasing.CaseInsensitive });
            Array.Sort(files, (a, b) => string.CompareOrdinal(Path.GetFileName(a), Path.GetFileName(b)));
            if (files.Length == 0)
                throw new BlindSpotsException($"{path}: folder holds no *.png files");
        }
        else if (File.Exists(path))
            files = [path];
        else
            throw new BlindSpotsException($"{path}: no such file or folder");

        int imageSize = channels * height * width;
        if ((long)files.Length * imageSize > Array.MaxLength)
            throw new BlindSpotsException($"{path}: {files.Length} images of {channels}×{height}×{width} do not fit in one batch");
        var pixels = new float[files.Length * imageSize];
        for (int i = 0; i < files.Length; i++)
            Decode(files[i], channels, height, width, pixels.AsSpan(i * imageSize, imageSize));
        return new ImageBatch(pixels, files.Length, channels, height, width, files);
    }

    /// <summary>
    /// Writes images [count, channels, height, width] (1 or 3 channels, values in [0, 1], clamped) as
    /// one PNG: a grid of <paramref name="columns"/> cells per row, each pixel repeated
    /// <paramref name="scale"/> × <paramref name="scale"/> times, cells parted by 1-pixel lines of
    /// <see cref="SeparatorGray"/>. Written to a temporary file and renamed, so no partial PNG is left.
    /// </summary>
    public static void WriteGrid(string path, ReadOnlySpan<float> pixels, int count, int channels, int height, int width,
                                 int columns, int scale = 1)
    {
        if (channels != 1 && channels != 3)
            throw new BlindSpotsException($"{path}: cannot write {channels}-channel images as PNG; 1 (grey) or 3 (RGB) only");
        if (count < 1 || height < 1 || width < 1)
            throw new ArgumentException($"a grid needs at least one image of positive size, not {count} of {width}×{height}");
        if (columns < 1) throw new BlindSpotsException($"{path}: a grid needs at least 1 column, not {columns}");
        if (scale < 1) throw new BlindSpotsException($"{path}: the upscale factor must be at least 1, not {scale}");
        int imageSize = channels * height * width;
        if ((long)count * imageSize != pixels.Length)
            throw new ArgumentException($"{count} images of {channels}×{height}×{width} need {(long)count * imageSize} values, not {pixels.Length}");
        for (int i = 0; i < pixels.Length; i++)
            if (!float.IsFinite(pixels[i]))
                throw new BlindSpotsException($"{path}: image {i / imageSize} holds {pixels[i]} at value {i % imageSize}; cannot write it as PNG");

        columns = Math.Min(columns, count);
        int rows = (count + columns - 1) / columns;
        long gridWidth = (long)columns * width * scale + columns - 1;
        long gridHeight = (long)rows * height * scale + rows - 1;
        if (gridWidth > MaxSide || gridHeight > MaxSide)
            throw new BlindSpotsException(
                $"{path}: a grid of {gridWidth}×{gridHeight} pixels is larger than {MaxSide}×{MaxSide}; use fewer columns, fewer images or a smaller upscale factor");

        int gw = (int)gridWidth, gh = (int)gridHeight;
        // Interleaved 8-bit samples, background = separator grey; cells are painted over it.
        var samples = new byte[(long)gw * gh * channels];
        Array.Fill(samples, SeparatorGray);
        int plane = height * width;
        for (int n = 0; n < count; n++)
        {
            int x0 = (n % columns) * (width * scale + 1), y0 = (n / columns) * (height * scale + 1);
            var image = pixels.Slice(n * imageSize, imageSize);
            for (int y = 0; y < height * scale; y++)
            for (int x = 0; x < width * scale; x++)
            {
                int source = (y / scale) * width + x / scale;
                long target = ((long)(y0 + y) * gw + x0 + x) * channels;
                for (int c = 0; c < channels; c++)
                    samples[target + c] = ToByte(image[c * plane + source]);
            }
        }

        AtomicFile.Write(path, stream =>
        {
            if (channels == 1)
            {
                using var grey = Image.LoadPixelData<L8>(PngOnly, samples, gw, gh);
                grey.Save(stream, new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit8 });
            }
            else
            {
                using var rgb = Image.LoadPixelData<Rgb24>(PngOnly, samples, gw, gh);
                rgb.Save(stream, new PngEncoder { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit8 });
            }
        });
    }

    /// <summary>
    /// Whether an exception out of the PNG decoder means "this file is damaged". Besides its own
    /// ImageFormatException, the decoder throws assorted argument and index exceptions on malformed
    /// chunks (fuzzing found an ArgumentOutOfRangeException from a short pHYs chunk), so every failure
    /// of a decoder call is the file's fault, except running out of memory.
    /// </summary>
    private static bool IsDecoderFailure(Exception e) => e is not OutOfMemoryException and not BlindSpotsException;

    private static BlindSpotsException NotValid(string file, Exception e) =>
        new($"{file}: not a valid PNG file ({e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")})", e);

    /// <summary>[0, 1] to 0..255, rounding to nearest, so b / 255f comes back as b.</summary>
    private static byte ToByte(float v) => (byte)MathF.Round(Math.Clamp(v, 0f, 1f) * 255f);

    private static void Decode(string file, int channels, int height, int width, Span<float> target)
    {
        byte[] bytes;
        try
        {
            long length = new FileInfo(file).Length;
            // A PNG of MaxSide² RGBA pixels compresses far below this; a bigger file is not an input image.
            if (length > (long)MaxSide * MaxSide * 4)
                throw new BlindSpotsException($"{file}: {length} bytes is too large for an input image");
            bytes = File.ReadAllBytes(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BlindSpotsException($"{file}: cannot read ({e.Message})", e);
        }
        if (bytes.Length < Signature.Length || !bytes.AsSpan(0, Signature.Length).SequenceEqual(Signature))
            throw new BlindSpotsException($"{file}: not a PNG file (it does not start with the PNG signature)");

        IImageInfo? info;
        try
        {
            info = Image.Identify(PngOnly, bytes, out _);
        }
        catch (Exception e) when (IsDecoderFailure(e))
        {
            throw NotValid(file, e);
        }
        if (info is null)
            throw new BlindSpotsException($"{file}: not a readable PNG file");
        if (info.Width > MaxSide || info.Height > MaxSide || info.Width < 1 || info.Height < 1)
            throw new BlindSpotsException($"{file}: declares {info.Width}×{info.Height} pixels, outside 1..{MaxSide} a side");
        if (info.Width != width || info.Height != height)
            throw new BlindSpotsException($"{file}: is {info.Width}×{info.Height} pixels but the model expects {width}×{height} (images are not resized)");

        Image<Rgba32> decoded;
        try
        {
            decoded = Image.Load<Rgba32>(PngOnly, bytes);
        }
        catch (Exception e) when (IsDecoderFailure(e))
        {
            throw NotValid(file, e);
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
