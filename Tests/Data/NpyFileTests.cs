using System.Buffers.Binary;
using System.Text;

namespace IlgpuBlindSpots.Tests.Data;

/// <summary>NumPy .npy arrays: the dtypes read, and every malformed header or size refused in one line naming the file.</summary>
public class NpyFileTests
{
    private static byte[] Floats(params float[] v)
    {
        var b = new byte[4 * v.Length];
        for (int i = 0; i < v.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(4 * i), v[i]);
        return b;
    }

    private static byte[] Longs(params long[] v)
    {
        var b = new byte[8 * v.Length];
        for (int i = 0; i < v.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(8 * i), v[i]);
        return b;
    }

    /// <summary>A version 1.0 file with a header dict written by hand, as numpy.save pads it.</summary>
    internal static byte[] Raw(string dict, byte[] data, byte major = 1)
    {
        string header = dict.PadRight((10 + dict.Length + 1 + 63) / 64 * 64 - 10 - 1) + "\n";
        var prefix = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', major, 0 };
        if (major == 1) prefix.AddRange(BitConverter.GetBytes((ushort)header.Length));
        else prefix.AddRange(BitConverter.GetBytes((uint)header.Length));
        return [.. prefix, .. Encoding.ASCII.GetBytes(header), .. data];
    }

    private static void AssertRefused(string path, params string[] fragments)
    {
        var e = Assert.Throws<BlindSpotsException>(() => NpyFile.Read(path));
        Assert.StartsWith(path + ":", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        foreach (var f in fragments) Assert.Contains(f, e.Message);
    }

    [Fact]
    public void ReadsWhatItWritesForEveryDtype()
    {
        using var folder = new TempFolder();
        string f = folder.File("f.npy");
        NpyFile.Write(f, NpyType.Float32, [2, 1, 1, 2], Floats(0f, 0.25f, 1f, 0.5f));
        var floats = NpyFile.Read(f);
        Assert.Equal([2, 1, 1, 2], floats.Shape);
        Assert.Equal(new[] { 0f, 0.25f, 1f, 0.5f }, floats.ToFloats());

        string u = folder.File("u.npy");
        NpyFile.Write(u, NpyType.UInt8, [3], [0, 7, 255]);
        Assert.Equal(new[] { 0f, 7f, 255f }, NpyFile.Read(u).ToFloats());
        Assert.Equal(new[] { 0, 7, 255 }, NpyFile.Read(u).ToLabels(256));

        string l = folder.File("l.npy");
        NpyFile.Write(l, NpyType.Int64, [3], Longs(9, 0, 4));
        Assert.Equal(new[] { 9, 0, 4 }, NpyFile.Read(l).ToLabels(10));
        var e = Assert.Throws<BlindSpotsException>(() => NpyFile.Read(l).ToLabels(9));
        Assert.Contains("label 9 at index 0", e.Message);
        Assert.Throws<BlindSpotsException>(() => NpyFile.Read(f).ToLabels(10));
    }

    [Fact]
    public void ReadsTheLongerHeaderOfVersionTwo()
    {
        using var folder = new TempFolder();
        string path = folder.Write("v2.npy", Raw("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", [3, 0, 0, 0, 1, 0, 0, 0], major: 2));
        Assert.Equal(new[] { 3, 1 }, NpyFile.Read(path).ToLabels(4));
    }

    [Fact]
    public void RefusesBadHeadersDtypesOrderAndSizesInOneLine()
    {
        using var folder = new TempFolder();
        string Write(string name, byte[] bytes) => folder.Write(name, bytes);
        AssertRefused(Write("magic.npy", Encoding.ASCII.GetBytes("PK\x03\x04 not numpy at all")), "magic");
        AssertRefused(Write("short.npy", [0x93, (byte)'N']), "magic");
        AssertRefused(Write("f8.npy", Raw("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", new byte[8])), "dtype '<f8'", "float32");
        AssertRefused(Write("be.npy", Raw("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", new byte[4])), "dtype '>f4'");
        AssertRefused(Write("fortran.npy", Raw("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 1), }", new byte[4])), "Fortran order");
        AssertRefused(Write("fewer.npy", Raw("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", new byte[20])), "needs 24 bytes", "only 20");
        AssertRefused(Write("more.npy", Raw("{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }", new byte[3])), "1 bytes after");
        AssertRefused(Write("overflow.npy", Raw("{'descr': '<f4', 'fortran_order': False, 'shape': (2147483647, 2147483647, 2147483647), }", new byte[4])), "declares more than");
        AssertRefused(Write("huge.npy", Raw("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999,), }", new byte[4])), "not a number");
        AssertRefused(Write("dict.npy", Raw("{'descr': '<f4', 'shape': (1,), }", new byte[4])), "header");
        AssertRefused(Write("garbage.npy", Raw("[1, 2, 3]", new byte[4])), "header");
        AssertRefused(Write("version.npy", Raw("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", new byte[4], major: 9)), "version 9");
        byte[] longHeader = Raw("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", new byte[4]);
        BinaryPrimitives.WriteUInt16LittleEndian(longHeader.AsSpan(8), 60000);
        AssertRefused(Write("headerlength.npy", longHeader), "header of 60000 bytes");
    }
}
