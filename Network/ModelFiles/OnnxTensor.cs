using System.Buffers.Binary;
using Google.Protobuf;
using Onnx;

namespace IlgpuBlindSpots.Network.ModelFiles;

/// <summary>
/// A constant of an ONNX graph (an initializer or a Constant node's value) decoded to the host:
/// float32 values or int64 values (shapes, for Reshape), with its dims. Everything about it is
/// checked against the file, so a damaged file is a <see cref="BlindSpotsException"/>, not a crash.
/// </summary>
internal sealed class OnnxTensor
{
    /// <summary>The most elements a constant may have: far above any model this project runs.</summary>
    private const long MaxElements = 1L << 28;
    private const int Float = 1, Int32 = 6, Int64 = 7, Double = 11;

    public OnnxTensor(long[] dims, float[]? floats, long[]? ints)
    {
        Dims = dims;
        Floats = floats;
        Ints = ints;
    }

    public long[] Dims { get; }
    public float[]? Floats { get; }
    public long[]? Ints { get; }
    public int Count => Floats?.Length ?? Ints!.Length;

    /// <summary>The dims without leading ones: what a broadcast against a batch leaves ([1, C, 1, 1] → [C, 1, 1]).</summary>
    public long[] TrimmedDims => Dims.SkipWhile(d => d == 1).ToArray();

    public string ShapeText => "[" + string.Join(", ", Dims) + "]";

    public static OnnxTensor Decode(TensorProto t, Func<string, BlindSpotsException> fail)
    {
        if (t.DataLocation == TensorProto.Types.DataLocation.External)
            throw fail("its data is in an external file, which is not supported");
        long count = 1;
        foreach (long d in t.Dims)
        {
            if (d < 0 || d > MaxElements) throw fail($"has dimension {d}");
            count *= d;
            if (count > MaxElements) throw fail($"has more than {MaxElements} elements");
        }
        long[] dims = t.Dims.ToArray();
        int n = (int)count;
        var raw = t.RawData;
        switch (t.DataType)
        {
            case Float:
                if (raw.Length > 0)
                {
                    if (raw.Length != 4L * n) throw fail($"has {raw.Length} bytes of raw data for {n} float32 values");
                    var f = new float[n];
                    for (int i = 0; i < n; i++) f[i] = BinaryPrimitives.ReadSingleLittleEndian(raw.Span.Slice(4 * i, 4));
                    return new OnnxTensor(dims, f, null);
                }
                if (t.FloatData.Count != n) throw fail($"has {t.FloatData.Count} float values for shape [{string.Join(", ", dims)}]");
                return new OnnxTensor(dims, t.FloatData.ToArray(), null);
            case Double:
                if (raw.Length > 0)
                {
                    if (raw.Length != 8L * n) throw fail($"has {raw.Length} bytes of raw data for {n} float64 values");
                    var d = new float[n];
                    for (int i = 0; i < n; i++) d[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(raw.Span.Slice(8 * i, 8));
                    return new OnnxTensor(dims, d, null);
                }
                if (t.DoubleData.Count != n) throw fail($"has {t.DoubleData.Count} double values for shape [{string.Join(", ", dims)}]");
                return new OnnxTensor(dims, t.DoubleData.Select(v => (float)v).ToArray(), null);
            case Int64:
                if (raw.Length > 0)
                {
                    if (raw.Length != 8L * n) throw fail($"has {raw.Length} bytes of raw data for {n} int64 values");
                    var l = new long[n];
                    for (int i = 0; i < n; i++) l[i] = BinaryPrimitives.ReadInt64LittleEndian(raw.Span.Slice(8 * i, 8));
                    return new OnnxTensor(dims, null, l);
                }
                if (t.Int64Data.Count != n) throw fail($"has {t.Int64Data.Count} int64 values for shape [{string.Join(", ", dims)}]");
                return new OnnxTensor(dims, null, t.Int64Data.ToArray());
            case Int32:
                if (raw.Length > 0)
                {
                    if (raw.Length != 4L * n) throw fail($"has {raw.Length} bytes of raw data for {n} int32 values");
                    var l = new long[n];
                    for (int i = 0; i < n; i++) l[i] = BinaryPrimitives.ReadInt32LittleEndian(raw.Span.Slice(4 * i, 4));
                    return new OnnxTensor(dims, null, l);
                }
                if (t.Int32Data.Count != n) throw fail($"has {t.Int32Data.Count} int32 values for shape [{string.Join(", ", dims)}]");
                return new OnnxTensor(dims, null, t.Int32Data.Select(v => (long)v).ToArray());
            default:
                throw fail($"has data type {t.DataType}; only float32, float64, int32 and int64 constants are supported");
        }
    }

    /// <summary>A float32 initializer with raw data, as the exporter writes it.</summary>
    public static TensorProto Encode(string name, float[] values, params long[] dims)
    {
        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        if (!BitConverter.IsLittleEndian)
            for (int i = 0; i < bytes.Length; i += 4) Array.Reverse(bytes, i, 4);
        var t = new TensorProto { Name = name, DataType = Float, RawData = ByteString.CopyFrom(bytes) };
        t.Dims.AddRange(dims);
        return t;
    }
}
