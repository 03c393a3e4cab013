using System.IO.Compression;
using IlgpuBlindSpots.Tests.Data;

namespace IlgpuBlindSpots.Tests.Cli;

/// <summary>
/// Small files that declare huge sizes (a model architecture, a model input, an IDX image set) are
/// refused with one line before anything of the declared size is allocated: each whole command,
/// run as its own process, peaks under <see cref="PeakLimit"/> of resident memory.
/// </summary>
public sealed class DeclaredSizeTests : IDisposable
{
    /// <summary>What a refused command may use at its peak, the .NET runtime included.</summary>
    private const long PeakLimit = 200L << 20;

    private readonly TempFolder folder = new();
    private static readonly string Sample = Path.Combine(RepoFiles.DataRoot, "sample");

    public void Dispose() => folder.Dispose();

    private static void AssertRefusedInLittleMemory(ChildRun.Result result, string fragment)
    {
        Assert.True(result.Code == 2, $"exit {result.Code}: {result.Err}");
        string line = result.Err.Trim();
        Assert.DoesNotContain('\n', line);
        Assert.Contains(fragment, line);
        // A .NET process takes tens of MiB to start: a figure below 10 MiB would be no measurement.
        Assert.InRange(result.PeakRssBytes, 10L << 20, PeakLimit);
    }

    /// <summary>A tiny safetensors model file whose metadata declares <paramref name="arch"/> on <paramref name="input"/>.</summary>
    private string Model(string name, string arch, string input)
    {
        string path = folder.File(name);
        SafetensorsFile.Write(path, [new NamedTensor("1.weight", [10, 2], new float[20]), new NamedTensor("1.bias", [10], new float[10])],
            new Dictionary<string, string> { ["arch"] = arch, ["input"] = input });
        Assert.True(new FileInfo(path).Length < 2000);
        return path;
    }

    [Fact]
    public void AnArchitectureFarLargerThanItsTensorsIsRefusedUnbuilt()
    {
        string model = Model("huge-arch.safetensors", "fc:30000,fc:30000,fc:10", "1x28x28");
        AssertRefusedInLittleMemory(ChildRun.RunMeasured("eval", "--model", model, "--data", Sample, "--range", "0:10", "--device", "cpu"),
            $"has {784L * 30000 + 30000 + 30000L * 30000 + 30000 + 30000L * 10 + 10} parameters, but the file's tensors hold 30 values");
    }

    [Fact]
    public void AnInputBeyondTheLimitsIsRefusedUnbuilt()
    {
        string model = Model("huge-input.safetensors", "fc:10", "1x20000x20000");
        AssertRefusedInLittleMemory(ChildRun.RunMeasured("eval", "--model", model, "--data", Sample, "--range", "0:10", "--device", "cpu"),
            "model input 1×20000×20000 is beyond the limits of 4096 channels, 8192 pixels a side");
    }

    /// <summary>An IDX data folder whose test images declare <paramref name="dims"/> and hold <paramref name="zeros"/> zero bytes, gzipped.</summary>
    private string IdxFolder(string name, uint[] dims, int zeros)
    {
        string dir = folder.File(name);
        Directory.CreateDirectory(dir);
        string images = Path.Combine(dir, "t10k-images-idx3-ubyte.gz");
        using (var file = File.Create(images))
        using (var z = new GZipStream(file, CompressionLevel.SmallestSize))
        {
            z.Write(IdxFileTests.Idx(0x08, dims, []));
            var block = new byte[1 << 20];
            for (int written = 0; written < zeros; written += block.Length) z.Write(block, 0, Math.Min(block.Length, zeros - written));
        }
        File.WriteAllBytes(Path.Combine(dir, "t10k-labels-idx1-ubyte.gz"), IdxFileTests.Gzip(IdxFileTests.Idx(0x08, [dims[0]], new byte[dims[0]])));
        return dir;
    }

    [Fact]
    public void AnImageSetOfHugeImagesIsRefusedFromItsHeader()
    {
        string data = IdxFolder("huge-images", [1, 32768, 32768], 1 << 20);
        AssertRefusedInLittleMemory(ChildRun.RunMeasured("eval", "--model", Path.Combine(RepoFiles.Root, "models", "fc100-100-10.safetensors"),
            "--data", data, "--device", "cpu"), "declares 1×32768×32768 images, beyond the limits of 8192 pixels a side");
    }

    [Fact]
    public void AGzippedImageSetHoldingLessThanItDeclaresIsRefusedByStreaming()
    {
        // 1 GiB declared, 192 MiB of zeros present (a gzip of a few hundred KiB): counted through a small buffer, never kept.
        string data = IdxFolder("short-images", [16, 8192, 8192], 192 << 20);
        Assert.True(new FileInfo(Path.Combine(data, "t10k-images-idx3-ubyte.gz")).Length < 1 << 20);
        AssertRefusedInLittleMemory(ChildRun.RunMeasured("eval", "--model", Path.Combine(RepoFiles.Root, "models", "fc100-100-10.safetensors"),
            "--data", data, "--device", "cpu"), "declares 16×8192×8192 images but holds only 201326592 bytes of pixels");
    }

    [Fact]
    public void AGzipBombHoldingAllItDeclaresIsRefusedBeforeItIsKept()
    {
        // 256 MiB of zeros, all declared, in a gzip of a few hundred KiB.
        string data = IdxFolder("bomb", [4, 8192, 8192], 256 << 20);
        AssertRefusedInLittleMemory(ChildRun.RunMeasured("eval", "--model", Path.Combine(RepoFiles.Root, "models", "fc100-100-10.safetensors"),
            "--data", data, "--device", "cpu"), "more than 256 times its");
    }
}
