namespace IlgpuBlindSpots.Network.Data;

/// <summary>The element types of a NumPy <c>.npy</c> array that <see cref="NpyFile"/> reads, all little-endian.</summary>
public enum NpyType
{
    /// <summary>float32, <c>'&lt;f4'</c>: images in [0, 1].</summary>
    Float32,
    /// <summary>uint8, <c>'|u1'</c>: images in 0..255, or labels.</summary>
    UInt8,
    /// <summary>int32, <c>'&lt;i4'</c>: labels.</summary>
    Int32,
    /// <summary>int64, <c>'&lt;i8'</c>: labels (PyTorch's and NumPy's default integer).</summary>
    Int64,
}

/// <summary>Sizes and names of <see cref="NpyType"/> values.</summary>
public static class NpyTypeInfo
{
    /// <summary>Bytes per element.</summary>
    public static int Size(this NpyType type) => type switch
    {
        NpyType.UInt8 => 1,
        NpyType.Int64 => 8,
        _ => 4,
    };

    /// <summary>The NumPy dtype name, for messages.</summary>
    public static string Name(this NpyType type) => type.ToString().ToLowerInvariant();

    /// <summary>The dtype string of the .npy header.</summary>
    public static string Descr(this NpyType type) => type switch
    {
        NpyType.Float32 => "<f4",
        NpyType.UInt8 => "|u1",
        NpyType.Int32 => "<i4",
        _ => "<i8",
    };
}
