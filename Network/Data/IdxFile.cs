using System.Buffers.Binary;
using System.IO.Compression;

namespace IlgpuBlindSpots.Network.Data;

/// <summary>
/// An IDX file of unsigned bytes (the MNIST format): a 4-byte magic (0, 0, type 0x08, dimension
/// count), one big-endian uint32 per dimension, then the values, first dimension slowest. Files are
/// read raw or gzipped; gzip is recognised by its magic bytes 1f 8b, not by the file name.
/// Every problem is a <see cref="BlindSpotsException"/> naming the file. Nothing is allocated from
/// the header alone: a raw file's length is checked against the declared size, and a gzipped one is
/// first decompressed through a small buffer to count what it really holds; only a file that holds
/// exactly what it declares is read into memory. Image files may declare at most
/// <see cref="MaxImageSide"/> pixels a side and <see cref="MaxChannels"/> channels.
/// </summary>
public sealed class IdxFile
{
    /// <summary>The most data one file may declare: far above MNIST's 47 MB, far below what breaks an array.</summary>
    public const long MaxDataBytes = 1L << 30;

    /// <summary>The largest image height or width an image file may declare (as for PNG inputs and model inputs).</summary>
    public const int MaxImageSide = PngImages.MaxSide;

    /// <summary>The most channels an image file may declare.</summary>
    public const int MaxChannels = Models.ArchitectureSize.MaxChannels;

    private const byte UnsignedByteType = 0x08;
    private const int MaxDimensions = 4;

    private readonly int[] dimensions;

    private IdxFile(string path, int[] dimensions, byte[] data)
    {
        Path = path;
        this.dimensions = dimensions;
        Data = data;
    }

    /// <summary>The path the file was read from, as given.</summary>
    public string Path { get; }

    /// <summary>The dimensions, first (the item count) slowest.</summary>
    public IReadOnlyList<int> Dimensions => dimensions;

    /// <summary>The values in file order; the length is the product of the dimensions.</summary>
    public byte[] Data { get; }

    /// <summary>Reads any unsigned-byte IDX file of 1 to 4 dimensions.</summary>
    public static IdxFile Read(string path) => Read(path, 1, MaxDimensions, new Kind("an IDX", "values", "data"));

    /// <summary>
    /// Reads an image set: [N, H, W] (one channel, the standard IDX image file) or [N, C, H, W].
    /// </summary>
    public static IdxFile ReadImages(string path) => Read(path, 3, 4, new Kind("an image", "images", "pixels"));

    /// <summary>Reads a label set [N] whose every label lies in 0..classes-1.</summary>
    public static int[] ReadLabels(string path, int classes = 10)
    {
        if (classes < 1 || classes > 256)
            throw new BlindSpotsException($"{path}: cannot check labels against {classes} classes; the class count must be 1 to 256");
        var file = Read(path, 1, 1, new Kind("a label", "labels", "labels"));
        var labels = new int[file.Data.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = file.Data[i];
            if (labels[i] >= classes)
                throw new BlindSpotsException($"{path}: label {labels[i]} at index {i} is outside the classes 0..{classes - 1}");
        }
        return labels;
    }

    /// <summary>Writes an unsigned-byte IDX file, gzipped or raw, in full or not at all.</summary>
    public static void Write(string path, ReadOnlySpan<int> dimensions, ReadOnlySpan<byte> data, bool gzip)
    {
        if (dimensions.Length < 1 || dimensions.Length > MaxDimensions)
            throw new ArgumentException($"an IDX file has 1 to {MaxDimensions} dimensions, not {dimensions.Length}", nameof(dimensions));
        long count = 1;
        foreach (int d in dimensions)
        {
            if (d <= 0) throw new ArgumentException($"dimension {d} is not positive", nameof(dimensions));
            count *= d;
        }
        if (count != data.Length)
            throw new ArgumentException($"dimensions {Format(dimensions)} need {count} values, the data has {data.Length}", nameof(data));

        var bytes = new byte[4 + 4 * dimensions.Length + data.Length];
        bytes[2] = UnsignedByteType;
        bytes[3] = (byte)dimensions.Length;
        for (int i = 0; i < dimensions.Length; i++)
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dimensions[i]);
        data.CopyTo(bytes.AsSpan(4 + 4 * dimensions.Length));
        AtomicFile.Write(path, stream =>
        {
            if (!gzip)
            {
                stream.Write(bytes);
                return;
            }
            using var z = new GZipStream(stream, CompressionLevel.SmallestSize, leaveOpen: true);
            z.Write(bytes);
        });
    }

    /// <summary>What a file should hold, for the messages: "an image" file, 60000×28×28 "images", 12 bytes of "pixels".</summary>
    private sealed record Kind(string File, string Items, string Noun);

    private static IdxFile Read(string path, int minDimensions, int maxDimensions, Kind kind)
    {
        try
        {
            long? rawLength;
            // A gzipped file is read twice: first to count what it holds (nothing kept), then to keep it.
            using (var counting = Open(path, out rawLength))
                if (rawLength is null) Read(path, counting, null, minDimensions, maxDimensions, kind, keep: false);
            using var content = Open(path, out rawLength);
            return Read(path, content, rawLength, minDimensions, maxDimensions, kind, keep: true)!;
        }
        catch (FileNotFoundException e)
        {
            throw new BlindSpotsException($"{path}: no such file", e);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new BlindSpotsException($"{path}: no such file (its folder does not exist)", e);
        }
        catch (InvalidDataException e)
        {
            throw new BlindSpotsException($"{path}: corrupt gzip data ({e.Message})", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BlindSpotsException($"{path}: cannot read ({e.Message})", e);
        }
    }

    /// <summary>
    /// How much larger than its gzip file an image set may be (beyond <see cref="ExpansionAllowance"/>):
    /// real image sets compress about 5:1 (MNIST's 47 MB to 10 MB); a file inflating to a thousand times
    /// its size is a gzip bomb, and is refused after the counting pass, before its data is kept.
    /// </summary>
    public const int MaxExpansion = 256;

    /// <summary>Data any gzip file may declare regardless of its size: 64 MiB.</summary>
    public const long ExpansionAllowance = 64L << 20;

    /// <summary>The file's content, decompressed if it starts with the gzip magic; <paramref name="rawLength"/> is its length when raw.</summary>
    private static Stream Open(string path, out long? rawLength)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        long fileLength = file.Length;
        bool gzipped = fileLength >= 2 && file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
        file.Position = 0;
        rawLength = gzipped ? null : fileLength;
        return gzipped ? new GZipStream(file, CompressionMode.Decompress) : file;
    }

    /// <summary>
    /// Reads <paramref name="content"/> as an IDX file of <paramref name="minDimensions"/> to
    /// <paramref name="maxDimensions"/> dimensions; <paramref name="rawLength"/> is the file length for a raw
    /// file (checked before allocating), null for gzip. With <paramref name="keep"/> false the data is only
    /// counted through a small buffer. Messages name <paramref name="path"/> and say what
    /// <paramref name="kind"/> of file was expected.
    /// </summary>
    private static IdxFile? Read(string path, Stream content, long? rawLength, int minDimensions, int maxDimensions, Kind kind, bool keep)
    {
        var dimensions = ReadHeader(path, content, minDimensions, maxDimensions, kind);
        long count = dimensions.Aggregate(1L, (a, b) => a * b);
        string declared = $"{Format(dimensions)} {kind.Items}", noun = kind.Noun;
        long headerLength = 4 + 4L * dimensions.Length;
        if (rawLength is long length)
        {
            long available = length - headerLength;
            if (available < count)
                throw new BlindSpotsException($"{path}: declares {declared} but holds only {available} bytes of {noun}");
            if (available > count)
                throw new BlindSpotsException($"{path}: {available - count} trailing bytes after the declared {declared}");
        }

        // Counting passes through one small buffer; keeping allocates what the counting pass (or the raw length) found.
        var data = keep ? new byte[count] : new byte[Math.Min(count, 1 << 16)];
        long filled = 0;
        while (filled < count)
        {
            int offset = keep ? (int)filled : 0, want = keep ? (int)(count - filled) : (int)Math.Min(data.Length, count - filled);
            int n = content.Read(data, offset, want);
            if (n == 0)
                throw new BlindSpotsException($"{path}: declares {declared} but holds only {filled} bytes of {noun}");
            filled += n;
        }
        if (rawLength is null)
        {
            var rest = new byte[1 << 16];
            long trailing = 0;
            for (int n; (n = content.Read(rest)) > 0 && trailing < MaxDataBytes;) trailing += n;
            if (trailing > 0)
                throw new BlindSpotsException($"{path}: {trailing} trailing bytes after the declared {declared}");
        }
        // The counting pass found all the data there: keeping it is refused only for a gzip bomb.
        if (!keep && count > ExpansionAllowance && count > MaxExpansion * new FileInfo(path).Length)
            throw new BlindSpotsException(
                $"{path}: declares {declared} ({count} bytes), more than {MaxExpansion} times its {new FileInfo(path).Length} gzipped bytes; not a real data set (a gzip bomb?)");
        return keep ? new IdxFile(path, dimensions, data) : null;
    }

    /// <summary>The magic and the dimensions, each checked: the type, the rank, no zero, the size and image limits.</summary>
    private static int[] ReadHeader(string path, Stream content, int minDimensions, int maxDimensions, Kind kind)
    {
        string items = kind.Items;
        Span<byte> magic = stackalloc byte[4];
        int got = ReadUpTo(content, magic);
        if (got < 4)
            throw new BlindSpotsException($"{path}: only {got} bytes, too short for an IDX header");
        if (magic[0] != 0 || magic[1] != 0)
            throw new BlindSpotsException($"{path}: not an IDX file (magic {Convert.ToHexString(magic)} does not start with 0000)");
        if (magic[2] != UnsignedByteType)
            throw new BlindSpotsException(TypeName(magic[2]) is { } type
                ? $"{path}: holds {type} values; only unsigned bytes (IDX type 0x08) are supported"
                : $"{path}: not an IDX file (unknown data type 0x{magic[2]:X2})");
        int rank = magic[3];
        if (rank < minDimensions || rank > maxDimensions)
        {
            string wanted = minDimensions == maxDimensions ? $"{minDimensions}" : $"{minDimensions} or {maxDimensions}";
            throw new BlindSpotsException($"{path}: declares {rank} dimensions; {kind.File} file has {wanted}");
        }

        Span<byte> header = stackalloc byte[4 * rank];
        if (ReadUpTo(content, header) < header.Length)
            throw new BlindSpotsException($"{path}: the header ends before its {rank} dimensions");
        var dimensions = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            uint d = BinaryPrimitives.ReadUInt32BigEndian(header[(4 * i)..]);
            if (d == 0)
                throw new BlindSpotsException($"{path}: declares a zero dimension ({FormatRaw(header, rank)} {items})");
            if (d > MaxDataBytes || (count *= d) > MaxDataBytes)
                throw new BlindSpotsException(
                    $"{path}: declares {FormatRaw(header, rank)} {items}, more than the {MaxDataBytes >> 20} MiB a data set file may hold");
            dimensions[i] = (int)d;
        }
        if (rank >= 3 && (dimensions[rank - 1] > MaxImageSide || dimensions[rank - 2] > MaxImageSide || rank == 4 && dimensions[1] > MaxChannels))
            throw new BlindSpotsException(
                $"{path}: declares {Format(dimensions)} {items}, beyond the limits of {MaxImageSide} pixels a side and {MaxChannels} channels");
        return dimensions;
    }

    private static int ReadUpTo(Stream s, Span<byte> buffer)
    {
        int filled = 0;
        for (int n; filled < buffer.Length && (n = s.Read(buffer[filled..])) > 0;) filled += n;
        return filled;
    }

    private static string? TypeName(byte type) => type switch
    {
        0x09 => "signed byte",
        0x0B => "int16",
        0x0C => "int32",
        0x0D => "float32",
        0x0E => "float64",
        _ => null,
    };

    internal static string Format(ReadOnlySpan<int> dimensions)
    {
        var parts = new string[dimensions.Length];
        for (int i = 0; i < parts.Length; i++) parts[i] = dimensions[i].ToString();
        return string.Join("×", parts);
    }

    private static string FormatRaw(ReadOnlySpan<byte> header, int rank)
    {
        var parts = new string[rank];
        for (int i = 0; i < rank; i++) parts[i] = BinaryPrimitives.ReadUInt32BigEndian(header[(4 * i)..]).ToString();
        return string.Join("×", parts);
    }
}
