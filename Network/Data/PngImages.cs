using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace IlgpuBlindSpots.Network.Data;

/// <summary>
/// A batch of images written as one grid PNG (inputs are read by <see cref="ImageFiles"/>). Pixels
/// are float32 in [0, 1] (byte / 255, as for IDX data), NCHW.
/// </summary>
public static class PngImages
{
    /// <summary>The largest width or height read or written; checked on the header before decoding.</summary>
    public const int MaxSide = 8192;

    /// <summary>Grey of the 1-pixel lines between the cells of a grid (and of empty cells).</summary>
    public const byte SeparatorGray = 128;

    private static readonly Configuration PngOnly = new(new PngConfigurationModule());

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

    /// <summary>[0, 1] to 0..255, rounding to nearest, so b / 255f comes back as b.</summary>
    private static byte ToByte(float v) => (byte)MathF.Round(Math.Clamp(v, 0f, 1f) * 255f);
}
