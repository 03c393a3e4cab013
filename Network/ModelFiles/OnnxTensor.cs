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
        string shape = "[" + string.Join(", ", dims) + "]";
        var raw = t.RawData;
        return t.DataType switch
        {
            Float => new OnnxTensor(dims, Values(raw, 4, "float32", b => BinaryPrimitives.ReadSingleLittleEndian(b), t.FloatData, "float", v => v, n, shape, fail), null),
            Double => new OnnxTensor(dims, Values(raw, 8, "float64", b => (float)BinaryPrimitives.ReadDoubleLittleEndian(b), t.DoubleData, "double", v => (float)v, n, shape, fail), null),
            Int64 => new OnnxTensor(dims, null, Values(raw, 8, "int64", b => BinaryPrimitives.ReadInt64LittleEndian(b), t.Int64Data, "int64", v => v, n, shape, fail)),
            Int32 => new OnnxTensor(dims, null, Values(raw, 4, "int32", b => (long)BinaryPrimitives.ReadInt32LittleEndian(b), t.Int32Data, "int32", v => v, n, shape, fail)),
            _ => throw fail($"has data type {t.DataType}; only float32, float64, int32 and int64 constants are supported"),
        };
    }

    private delegate T LittleEndianRead<T>(ReadOnlySpan<byte> bytes);

    /// <summary>
    /// A constant's n values, from its raw little-endian bytes (width bytes each) when it has any,
    /// else from the typed field; either must hold exactly n values.
    /// </summary>
    private static T[] Values<T, TField>(ByteString raw, int width, string rawKind, LittleEndianRead<T> read,
        IReadOnlyCollection<TField> typed, string typedKind, Func<TField, T> convert, int n, string shape, Func<string, BlindSpotsException> fail)
    {
        if (raw.Length > 0)
        {
            if (raw.Length != (long)width * n) throw fail($"has {raw.Length} bytes of raw data for {n} {rawKind} values");
            var values = new T[n];
            for (int i = 0; i < n; i++) values[i] = read(raw.Span.Slice(width * i, width));
            return values;
        }
        if (typed.Count != n) throw fail($"has {typed.Count} {typedKind} values for shape {shape}");
        return typed.Select(convert).ToArray();
    }

    /// <summary>
    /// The value a Constant node holds in its one attribute (a tensor, or a float or int or a list
    /// of them). <paramref name="fail"/> makes the error for a message that starts at "node ...".
    /// </summary>
    public static OnnxTensor OfConstantNode(NodeProto node, string describedNode, Func<string, BlindSpotsException> fail)
    {
        var a = node.Attribute.FirstOrDefault() ?? throw fail($"node {describedNode} has no value");
        return a.Name switch
        {
            "value" when a.T != null => Decode(a.T, m => fail($"node {describedNode}: value {m}")),
            "value_float" => new OnnxTensor([], [a.F], null),
            "value_floats" => new OnnxTensor([a.Floats.Count], a.Floats.ToArray(), null),
            "value_int" => new OnnxTensor([], null, [a.I]),
            "value_ints" => new OnnxTensor([a.Ints.Count], null, a.Ints.ToArray()),
            _ => throw fail($"node {describedNode}: attribute '{a.Name}' is not a supported constant value"),
        };
    }

    /// <summary>A row-major rows×cols matrix transposed: how a Gemm/MatMul weight stored [k, n] becomes the dense layer's [n, k].</summary>
    public static float[] TransposeMatrix(float[] m, int rows, int cols)
    {
        var t = new float[m.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                t[c * rows + r] = m[r * cols + c];
        return t;
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
