using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace IlgpuBlindSpots.Network.Data;

/// <summary>
/// A NumPy <c>.npy</c> array (format versions 1.0, 2.0 and 3.0, as <c>numpy.save</c> writes them):
/// the magic <c>\x93NUMPY</c>, a version, a little-endian header length, a Python dict literal
/// <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (N, C, H, W), }</c>, then the values in C order.
/// Only the dtypes Python users hand over for images and labels are read: float32, uint8, int32 and
/// int64, little-endian. Every problem (a wrong magic or header, an unsupported dtype, Fortran order,
/// a shape whose product overflows, fewer or more bytes than declared) is a
/// <see cref="BlindSpotsException"/> naming the file. Nothing is allocated from the header alone:
/// the file's length is checked against the declared size first.
/// </summary>
public sealed class NpyFile
{
    /// <summary>The most data one file may declare, as for IDX files.</summary>
    public const long MaxDataBytes = IdxFile.MaxDataBytes;

    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    private const int MaxHeaderBytes = 1 << 16;
    private const int MaxDimensions = 8;

    private static readonly Regex HeaderPattern = new(
        @"^\{\s*(?:(?:'descr'\s*:\s*'(?<descr>[^']*)'|'fortran_order'\s*:\s*(?<fortran>True|False)|'shape'\s*:\s*\((?<shape>[0-9,\s]*)\))\s*,?\s*){3}\}\s*$",
        RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture);

    private NpyFile(string path, NpyType type, int[] shape, byte[] data)
    {
        Path = path;
        Type = type;
        this.shape = shape;
        this.data = data;
    }

    private readonly int[] shape;
    private readonly byte[] data;

    /// <summary>The path the file was read from, as given.</summary>
    public string Path { get; }
    /// <summary>The element type.</summary>
    public NpyType Type { get; }
    /// <summary>The dimensions, first slowest.</summary>
    public IReadOnlyList<int> Shape => shape;
    /// <summary>Elements: the product of the dimensions.</summary>
    public long Count => data.Length / Type.Size();

    /// <summary>Reads and checks a whole file.</summary>
    /// <exception cref="BlindSpotsException">The file is missing, unreadable or not a supported .npy array.</exception>
    public static NpyFile Read(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return Read(path, stream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BlindSpotsException($"{path}: cannot read ({e.Message})", e);
        }
    }

    private static NpyFile Read(string path, FileStream stream)
    {
        var preamble = new byte[10];
        if (stream.ReadAtLeast(preamble, preamble.Length, throwOnEndOfStream: false) < preamble.Length
            || !preamble.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new BlindSpotsException($"{path}: not a NumPy .npy file (it does not start with the magic \\x93NUMPY)");
        byte major = preamble[6];
        if (major is < 1 or > 3)
            throw new BlindSpotsException($"{path}: .npy format version {major}.{preamble[7]} is not supported (1.0, 2.0, 3.0)");
        long headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(preamble.AsSpan(8)) : ReadUInt32(stream, preamble, path);
        int prefix = major == 1 ? 10 : 12;
        if (headerLength > MaxHeaderBytes || prefix + headerLength > stream.Length)
            throw new BlindSpotsException($"{path}: declares a header of {headerLength} bytes, but the file holds {stream.Length} bytes in all");
        var header = new byte[headerLength];
        stream.ReadExactly(header);
        var (type, dims) = ParseHeader(path, major == 3 ? Encoding.UTF8.GetString(header) : Encoding.Latin1.GetString(header));
        long count = 1;
        foreach (int d in dims)
            if (d != 0 && count > MaxDataBytes / d)
                throw new BlindSpotsException($"{path}: shape ({string.Join(", ", dims)}) declares more than {MaxDataBytes} bytes");
            else count *= d;
        long bytes = count * type.Size();
        if (bytes > MaxDataBytes)
            throw new BlindSpotsException($"{path}: shape ({string.Join(", ", dims)}) declares {bytes} bytes, more than {MaxDataBytes}");
        long present = stream.Length - prefix - headerLength;
        if (present != bytes)
            throw new BlindSpotsException(present < bytes
                ? $"{path}: shape ({string.Join(", ", dims)}) of {type.Name()} needs {bytes} bytes of data, but the file holds only {present}"
                : $"{path}: holds {present - bytes} bytes after the {bytes} its shape ({string.Join(", ", dims)}) of {type.Name()} declares");
        var data = new byte[bytes];
        stream.ReadExactly(data);
        return new NpyFile(path, type, dims, data);
    }

    private static long ReadUInt32(FileStream stream, byte[] preamble, string path)
    {
        Span<byte> rest = stackalloc byte[2];
        if (stream.ReadAtLeast(rest, 2, throwOnEndOfStream: false) < 2)
            throw new BlindSpotsException($"{path}: ends inside the .npy header");
        Span<byte> length = [preamble[8], preamble[9], rest[0], rest[1]];
        return BinaryPrimitives.ReadUInt32LittleEndian(length);
    }

    private static (NpyType Type, int[] Shape) ParseHeader(string path, string header)
    {
        var m = HeaderPattern.Match(header);
        if (!m.Success || m.Groups["descr"].Captures.Count != 1 || m.Groups["fortran"].Captures.Count != 1 || m.Groups["shape"].Captures.Count != 1)
            throw new BlindSpotsException($"{path}: the .npy header is not a dict of 'descr', 'fortran_order' and 'shape' ({Shorten(header)})");
        if (m.Groups["fortran"].Value == "True")
            throw new BlindSpotsException($"{path}: the array is in Fortran order; save it in C order (numpy.ascontiguousarray) first");
        string descr = m.Groups["descr"].Value;
        var type = descr switch
        {
            "<f4" => NpyType.Float32,
            "|u1" or "<u1" or ">u1" => NpyType.UInt8,
            "<i4" => NpyType.Int32,
            "<i8" => NpyType.Int64,
            _ => throw new BlindSpotsException(
                $"{path}: dtype '{Shorten(descr)}' is not supported; images must be float32 ('<f4') or uint8 ('|u1'), labels int64, int32 or uint8"),
        };
        var parts = m.Groups["shape"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length > MaxDimensions)
            throw new BlindSpotsException($"{path}: {parts.Length} dimensions; at most {MaxDimensions} are read");
        var dims = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out dims[i]))
                throw new BlindSpotsException($"{path}: dimension '{Shorten(parts[i])}' of the shape is not a number of at most {int.MaxValue}");
        return (type, dims);
    }

    private static string Shorten(string s)
    {
        s = s.ReplaceLineEndings(" ").Trim();
        return s.Length <= 80 ? s : s[..77] + "...";
    }

    /// <summary>The values as floats: float32 as stored, integers converted exactly (uint8 and int32) or rounded (large int64).</summary>
    public float[] ToFloats()
    {
        var values = new float[Count];
        for (int i = 0; i < values.Length; i++) values[i] = Type switch
        {
            NpyType.Float32 => BinaryPrimitives.ReadSingleLittleEndian(data.AsSpan(4 * i)),
            NpyType.UInt8 => data[i],
            NpyType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(4 * i)),
            _ => BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan(8 * i)),
        };
        return values;
    }

    /// <summary>The values as integers, each checked to lie in 0..<paramref name="limit"/>-1 (a class label).</summary>
    /// <exception cref="BlindSpotsException">The array is float32, or a value lies outside the range.</exception>
    public int[] ToLabels(int limit)
    {
        if (Type == NpyType.Float32)
            throw new BlindSpotsException($"{Path}: labels are float32; save them as int64, int32 or uint8");
        var labels = new int[Count];
        for (int i = 0; i < labels.Length; i++)
        {
            long v = Type switch
            {
                NpyType.UInt8 => data[i],
                NpyType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(4 * i)),
                _ => BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan(8 * i)),
            };
            if (v < 0 || v >= limit)
                throw new BlindSpotsException($"{Path}: label {v} at index {i} is outside the classes 0..{limit - 1}");
            labels[i] = (int)v;
        }
        return labels;
    }

    /// <summary>Writes an array as a version 1.0 .npy file, in full or not at all (tests and tools).</summary>
    public static void Write(string path, NpyType type, ReadOnlySpan<int> shape, ReadOnlySpan<byte> data)
    {
        string dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape.ToArray());
        string dict = $"{{'descr': '{type.Descr()}', 'fortran_order': False, 'shape': ({dims}), }}";
        int padded = (10 + dict.Length + 1 + 63) / 64 * 64;
        string header = dict.PadRight(padded - 10 - 1) + "\n";
        var bytes = new byte[10 + header.Length + data.Length];
        Magic.CopyTo(bytes, 0);
        bytes[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)header.Length);
        Encoding.Latin1.GetBytes(header, bytes.AsSpan(10));
        data.CopyTo(bytes.AsSpan(10 + header.Length));
        AtomicFile.Write(path, s => s.Write(bytes));
    }
}
