using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using IlgpuBlindSpots.Network.Data;

namespace IlgpuBlindSpots.Network.ModelFiles;

/// <summary>
/// A safetensors file: an 8-byte little-endian header length N, N bytes of JSON header
/// (<c>{"__metadata__": {string: string}, "name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...}</c>),
/// then the raw little-endian tensor bytes, offsets relative to the end of the header.
/// Reads F32, and F64, F16 and BF16 converted to float32; writes F32. A file is refused, with a
/// <see cref="BlindSpotsException"/> naming it, unless its tensors tile the data exactly (no
/// overlap, no gap, no trailing bytes) and every value is finite.
/// </summary>
public sealed class SafetensorsFile
{
    /// <summary>The largest header accepted, as in the reference implementation.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const string MetadataKey = "__metadata__";

    private readonly Dictionary<string, NamedTensor> byName;

    private SafetensorsFile(string path, List<NamedTensor> tensors, Dictionary<string, string> metadata)
    {
        Path = path;
        Tensors = tensors;
        Metadata = metadata;
        byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>The path the file was read from, as given.</summary>
    public string Path { get; }

    /// <summary>The tensors in the order of their data in the file.</summary>
    public IReadOnlyList<NamedTensor> Tensors { get; }

    /// <summary>The <c>__metadata__</c> entries; empty when the file has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensor called <paramref name="name"/>; a missing one is an error naming the file and what it has.</summary>
    public NamedTensor Get(string name) => byName.TryGetValue(name, out var t) ? t
        : throw new BlindSpotsException($"{Path}: has no tensor '{name}' (it has {(byName.Count == 0 ? "none" : string.Join(", ", byName.Keys.Order(StringComparer.Ordinal)))})");

    /// <summary>The tensor called <paramref name="name"/>, if the file has one.</summary>
    public bool TryGet(string name, [NotNullWhen(true)] out NamedTensor? tensor) => byName.TryGetValue(name, out tensor);

    /// <summary>Reads and checks a whole safetensors file.</summary>
    /// <exception cref="BlindSpotsException">The file is missing, unreadable or malformed (the message names the file and the problem).</exception>
    public static SafetensorsFile Read(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            return Read(path, file);
        }
        catch (FileNotFoundException e)
        {
            throw new BlindSpotsException($"{path}: no such file", e);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new BlindSpotsException($"{path}: no such file (its folder does not exist)", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BlindSpotsException($"{path}: cannot read ({e.Message})", e);
        }
    }

    /// <summary>
    /// Writes the tensors as F32, sorted by name (ordinal) so the same tensors always give the same
    /// bytes, contiguous from offset 0, with the header padded with spaces to a multiple of 8 bytes so
    /// the data starts 8-byte aligned (as the reference implementation does). Metadata is written
    /// sorted by key; none is written when it is empty. Written to a temporary file and renamed.
    /// </summary>
    public static void Write(string path, IEnumerable<NamedTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var sorted = tensors.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        for (int i = 0; i < sorted.Count; i++)
        {
            var t = sorted[i];
            if (string.IsNullOrEmpty(t.Name) || t.Name == MetadataKey)
                throw new BlindSpotsException($"{path}: cannot name a tensor '{t.Name}'");
            if (i > 0 && sorted[i - 1].Name == t.Name)
                throw new BlindSpotsException($"{path}: two tensors are named '{t.Name}'");
            long count = 1;
            foreach (int d in t.Shape)
            {
                if (d < 0) throw new BlindSpotsException($"{path}: tensor '{t.Name}' has a negative dimension in shape {t.ShapeText}");
                count *= d;
            }
            if (count != t.Data.Length)
                throw new BlindSpotsException($"{path}: tensor '{t.Name}' of shape {t.ShapeText} needs {count} values but has {t.Data.Length}");
            CheckFinite(path, t.Name, t.Data);
        }

        var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                    w.WriteString(key, value);
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (var t in sorted)
            {
                w.WriteStartObject(t.Name);
                w.WriteString("dtype", "F32");
                w.WriteStartArray("shape");
                foreach (int d in t.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                offset += 4L * t.Data.Length;
                w.WriteNumberValue(offset);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        int padding = (int)((8 - json.Length % 8) % 8);
        for (int i = 0; i < padding; i++) json.WriteByte((byte)' ');

        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)json.Length);
            stream.Write(length);
            json.Position = 0;
            json.CopyTo(stream);
            var buffer = new byte[1 << 16];
            foreach (var t in sorted)
            {
                for (int start = 0; start < t.Data.Length; start += buffer.Length / 4)
                {
                    int n = Math.Min(buffer.Length / 4, t.Data.Length - start);
                    for (int i = 0; i < n; i++)
                        BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(4 * i), t.Data[start + i]);
                    stream.Write(buffer, 0, 4 * n);
                }
            }
        });
    }

    private sealed record Entry(string Name, string DType, int[] Shape, long Begin, long End);

    private static SafetensorsFile Read(string path, FileStream file)
    {
        long fileLength = file.Length;
        if (fileLength < 8)
            throw new BlindSpotsException($"{path}: only {fileLength} bytes, too short for a safetensors header");
        Span<byte> lengthBytes = stackalloc byte[8];
        file.ReadExactly(lengthBytes);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > MaxHeaderBytes)
            throw new BlindSpotsException($"{path}: declares a header of {headerLength} bytes, more than the {MaxHeaderBytes} allowed (not a safetensors file?)");
        if ((long)headerLength > fileLength - 8)
            throw new BlindSpotsException($"{path}: declares a header of {headerLength} bytes, running past the end of the file ({fileLength} bytes)");
        long dataLength = fileLength - 8 - (long)headerLength;
        if (dataLength > Array.MaxLength)
            throw new BlindSpotsException($"{path}: {dataLength} bytes of tensor data; files over 2 GiB are not supported");

        var header = new byte[headerLength];
        file.ReadExactly(header);
        var (entries, metadata) = ParseHeader(path, header, dataLength);
        var data = new byte[dataLength];
        file.ReadExactly(data);

        var tensors = new List<NamedTensor>(entries.Count);
        foreach (var e in entries)
        {
            var bytes = data.AsSpan((int)e.Begin, (int)(e.End - e.Begin));
            var values = new float[bytes.Length / ElementSize(e.DType)];
            switch (e.DType)
            {
                case "F32":
                    for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
                    break;
                case "F64":
                    for (int i = 0; i < values.Length; i++)
                    {
                        double v = BinaryPrimitives.ReadDoubleLittleEndian(bytes[(8 * i)..]);
                        values[i] = (float)v;
                        if (double.IsFinite(v) && !float.IsFinite(values[i]))
                            throw new BlindSpotsException($"{path}: tensor '{e.Name}' holds {v} at index {i}, outside the float32 range");
                    }
                    break;
                case "F16":
                    for (int i = 0; i < values.Length; i++) values[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(2 * i)..]);
                    break;
                case "BF16":
                    // bfloat16 is the top half of a float32.
                    for (int i = 0; i < values.Length; i++)
                        values[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]) << 16);
                    break;
            }
            CheckFinite(path, e.Name, values);
            tensors.Add(new NamedTensor(e.Name, e.Shape, values));
        }
        return new SafetensorsFile(path, tensors, metadata);
    }

    private static (List<Entry> Entries, Dictionary<string, string> Metadata) ParseHeader(string path, byte[] header, long dataLength)
    {
        // The JSON reader checks UTF-8 only where it decodes; check it all, so no name fails later.
        if (!System.Text.Unicode.Utf8.IsValid(header))
            throw new BlindSpotsException($"{path}: header is not valid UTF-8 text");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header);
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new BlindSpotsException($"{path}: header is not valid JSON ({e.Message})", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new BlindSpotsException($"{path}: header is JSON {root.ValueKind}, not an object of tensors");
            var entries = new List<Entry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                string name = property.Name;
                if (!seen.Add(name))
                    throw new BlindSpotsException($"{path}: header names '{name}' twice");
                if (name == MetadataKey)
                {
                    if (property.Value.ValueKind != JsonValueKind.Object)
                        throw new BlindSpotsException($"{path}: {MetadataKey} is {property.Value.ValueKind}, not an object of strings");
                    foreach (var m in property.Value.EnumerateObject())
                    {
                        if (m.Value.ValueKind != JsonValueKind.String)
                            throw new BlindSpotsException($"{path}: metadata '{m.Name}' is {m.Value.ValueKind}, not a string");
                        if (!metadata.TryAdd(m.Name, m.Value.GetString()!))
                            throw new BlindSpotsException($"{path}: metadata names '{m.Name}' twice");
                    }
                    continue;
                }
                entries.Add(ParseEntry(path, name, property.Value, dataLength));
            }

            // The tensors must tile the data: sorted by offset, each starts where the last ended.
            entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
            long covered = 0;
            Entry? previous = null;
            foreach (var e in entries)
            {
                if (e.Begin < covered)
                    throw new BlindSpotsException(
                        $"{path}: tensor '{e.Name}' (bytes {e.Begin}..{e.End}) overlaps tensor '{previous!.Name}' (bytes {previous.Begin}..{previous.End})");
                if (e.Begin > covered)
                    throw new BlindSpotsException($"{path}: data bytes {covered}..{e.Begin} before tensor '{e.Name}' belong to no tensor");
                covered = e.End;
                previous = e;
            }
            if (covered < dataLength)
                throw new BlindSpotsException($"{path}: {dataLength - covered} trailing bytes after the last tensor belong to no tensor");
            return (entries, metadata);
        }
    }

    private static Entry ParseEntry(string path, string name, JsonElement value, long dataLength)
    {
        string where = $"{path}: tensor '{name}'";
        if (value.ValueKind != JsonValueKind.Object)
            throw new BlindSpotsException($"{where} is {value.ValueKind}, not an object with dtype, shape and data_offsets");
        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw new BlindSpotsException($"{where} has no dtype string");
        string dtype = dtypeElement.GetString()!;
        if (ElementSize(dtype) == 0)
            throw new BlindSpotsException(UnsupportedDTypes.Contains(dtype)
                ? $"{where} has dtype {dtype}; only F32, F64, F16 and BF16 are read"
                : $"{where} has unknown dtype '{dtype}'");

        if (!value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw new BlindSpotsException($"{where} has no shape list");
        var shape = new int[shapeElement.GetArrayLength()];
        long count = 1;
        int k = 0;
        foreach (var d in shapeElement.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long dim))
                throw new BlindSpotsException($"{where} has a shape entry {d.GetRawText()} that is not an integer");
            if (dim < 0)
                throw new BlindSpotsException($"{where} has a negative dimension {dim} in its shape");
            if (dim > Array.MaxLength || (count *= dim) > Array.MaxLength)
                throw new BlindSpotsException($"{where} has shape {shapeElement.GetRawText()}, too many elements");
            shape[k++] = (int)dim;
        }

        if (!value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array ||
            offsets.GetArrayLength() != 2 ||
            !TryGetNonNegative(offsets[0], out long begin) || !TryGetNonNegative(offsets[1], out long end))
            throw new BlindSpotsException($"{where} needs data_offsets [begin, end] of two non-negative integers");
        if (begin > end)
            throw new BlindSpotsException($"{where} has data_offsets [{begin}, {end}] that end before they begin");
        if (end > dataLength)
            throw new BlindSpotsException($"{where} has data_offsets [{begin}, {end}] past the end of the {dataLength} bytes of data");
        long needed = count * ElementSize(dtype);
        if (end - begin != needed)
            throw new BlindSpotsException(
                $"{where} has data_offsets [{begin}, {end}] holding {end - begin} bytes, but {dtype} of shape {shapeElement.GetRawText()} needs {needed}");
        return new Entry(name, dtype, shape, begin, end);
    }

    private static bool TryGetNonNegative(JsonElement e, out long value)
    {
        value = 0;
        return e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out value) && value >= 0;
    }

    /// <summary>Bytes per element of a dtype this reader converts; 0 for any other.</summary>
    private static int ElementSize(string dtype) => dtype switch
    {
        "F64" => 8,
        "F32" => 4,
        "F16" or "BF16" => 2,
        _ => 0,
    };

    /// <summary>The other dtypes of the format: named as unsupported rather than unknown.</summary>
    private static readonly HashSet<string> UnsupportedDTypes =
        ["BOOL", "U8", "I8", "I16", "U16", "I32", "U32", "I64", "U64", "F8_E4M3", "F8_E5M2", "C64"];

    private static void CheckFinite(string path, string name, float[] values)
    {
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                throw new BlindSpotsException($"{path}: tensor '{name}' holds {(float.IsNaN(values[i]) ? "NaN" : values[i] > 0 ? "+Inf" : "-Inf")} at index {i}");
    }
}
