using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;
using IlgpuBlindSpots.Kernels;

namespace IlgpuBlindSpots.Network;

/// <summary>
/// One accelerator, chosen by a device string (<c>auto|cpu|cuda[:i]|opencl[:i]</c>), with its
/// kernels loaded once. This is the only place that knows which backend is running: it decides how
/// a launch is split (<see cref="Split"/>) and hands out launchers (<see cref="KernelCache"/>). Both are
/// public, so a layer of one's own launches its kernels the way the built-in layers do:
/// <c>var f = device.KernelCache.Load&lt;WorkSplit, ArrayView&lt;float&gt;, …&gt;(MyKernels.F); var s = device.Split(n); f(s.Threads, s, …);</c>
/// </summary>
public sealed class ComputeDevice : IDisposable
{
    private readonly DevicePool.Slot slot;
    private int disposed;

    private ComputeDevice(DevicePool.Slot slot, DeviceKind kind, int index)
    {
        this.slot = slot;
        Accelerator = slot.Accelerator;
        Kind = kind;
        Index = index;
        KernelCache = slot.KernelCache;
        var accelerator = slot.Accelerator;
        dense = new Lazy<DenseProducts>(() => new DenseProducts(this));
        convolution = new Lazy<ConvolutionProducts>(() => new ConvolutionProducts(this));
        maxThreads = kind == DeviceKind.Cpu
            // A few emulated threads per core, each taking a contiguous chunk.
            ? 4 * Environment.ProcessorCount
            // Enough threads to fill every multiprocessor twice over.
            : Math.Max(1024, 2 * accelerator.MaxNumThreads);
    }

    private readonly int maxThreads;
    private readonly Lazy<DenseProducts> dense;
    private readonly Lazy<ConvolutionProducts> convolution;

    /// <summary>The ILGPU accelerator behind this device, for allocating buffers and launching kernels of your own.</summary>
    public Accelerator Accelerator { get; }
    /// <summary>The backend: CPU accelerator, CUDA or OpenCL.</summary>
    public DeviceKind Kind { get; }
    /// <summary>The position among this machine's usable devices of <see cref="Kind"/>, as in <c>cuda:1</c>.</summary>
    public int Index { get; }
    /// <summary>Loads each kernel once for this device and hands out its launcher.</summary>
    public KernelCache KernelCache { get; }

    /// <summary>The dense layer's three products, in the kernels that suit this backend.</summary>
    internal DenseProducts Dense => dense.Value;

    /// <summary>The convolution layer's products, in the kernels that suit this backend.</summary>
    internal ConvolutionProducts Convolution => convolution.Value;

    /// <summary>
    /// Whether this backend takes explicitly grouped kernels (shared-memory tiles, barriers): GPU
    /// and OpenCL devices do; ILGPU's CPU accelerator emulates barriers with OS threads, thousands
    /// of times slower than its register-tiled kernels, so it does not.
    /// </summary>
    public bool PrefersGroupedKernels => Kind != DeviceKind.Cpu;

    /// <summary>
    /// Whether this device is a GPU: CUDA, or an OpenCL device of GPU type. An OpenCL CPU device
    /// (PoCL) runs explicit groups correctly but not always fast: see <see cref="ConvolutionProducts"/>.
    /// </summary>
    public bool IsGpu => Kind == DeviceKind.Cuda
        || Accelerator.Device is CLDevice cl && cl.DeviceType.HasFlag(CLDeviceType.CL_DEVICE_TYPE_GPU);

    /// <summary>
    /// Lanes of the thread group that kernels with a group per problem (L-BFGS's steps, the attack's
    /// distance penalty) give each problem: a power of two. On a GPU 128 lanes spread a 784-pixel
    /// row over about six elements each with every multiprocessor busy at a few hundred problems;
    /// the CPU accelerator's groups are as wide as its emulated warps allow (it runs these kernels
    /// only when asked, see <see cref="PrefersGroupedKernels"/>).
    /// </summary>
    public int ProblemGroupSize
    {
        get
        {
            int cap = Math.Min(Kind == DeviceKind.Cpu ? 2 : 128, Math.Min(256, Accelerator.MaxNumThreadsPerGroup));
            int size = 1;
            while (size * 2 <= cap) size *= 2;
            return size;
        }
    }

    /// <summary>
    /// The batch Bench measured fastest for the attack on this kind of device: 1,024 on the CPU
    /// accelerator, 256 on an OpenCL CPU device (each inside the batches for which <c>auto</c> picks
    /// that device, Bench/RESULTS.md "The decision"); null on a GPU, whose batch is bounded by its
    /// memory, not by speed.
    /// </summary>
    public int? FavouredBatch => Kind == DeviceKind.Cpu ? AutoChoice.CpuAcceleratorBatch
        : IsGpu ? null : AutoChoice.OpenClCpuBatch;

    /// <summary>The device as a device string would name it, e.g. <c>cuda:0</c>.</summary>
    public string Id => IdOf(Kind, Index);

    private static string IdOf(DeviceKind kind, int index) => $"{kind.ToString().ToLowerInvariant()}:{index}";

    /// <summary>A human-readable description: id, name and memory.</summary>
    public string Description => Kind == DeviceKind.Cpu
        ? $"{Id} ILGPU CPU accelerator ({Accelerator.NumMultiprocessors} threads)"
        : $"{Id} {Accelerator.Name} ({Accelerator.MemorySize / (1 << 20)} MiB)";

    /// <summary>How a launch over <paramref name="count"/> items is split for this backend.</summary>
    public WorkSplit Split(int count) =>
        Kind == DeviceKind.Cpu ? WorkSplit.Chunked(count, maxThreads) : WorkSplit.Strided(count, maxThreads);

    /// <summary>
    /// The split for the first stage of a two-stage sum: its second stage adds one partial per
    /// thread in a single thread, so a GPU gets at most 1024 partials instead of a full grid.
    /// </summary>
    public WorkSplit ReductionSplit(int count) =>
        Kind == DeviceKind.Cpu ? WorkSplit.Chunked(count, maxThreads) : WorkSplit.Strided(count, 1024);

    /// <summary>Waits until every launched kernel has finished.</summary>
    public void Synchronize() => Accelerator.Synchronize();

    /// <summary>Opens the device a device string names, <c>auto</c> choosing for work of the attack's default batch (<see cref="Open(string, int)"/>).</summary>
    /// <exception cref="BlindSpotsException">As <see cref="Open(string, int)"/>.</exception>
    public static ComputeDevice Open(string spec) => Open(spec, AutoChoice.DefaultBatch);

    /// <summary>
    /// Opens the device a device string names: <c>auto</c> the one <see cref="AutoChoice"/> picks
    /// for work of <paramref name="batch"/> examples at a time (CUDA, then an OpenCL GPU, then,
    /// between an OpenCL CPU device and the CPU accelerator, whichever Bench measured faster at that
    /// batch); <c>cpu</c>, <c>cuda</c>, <c>opencl</c> take an optional <c>:index</c>.
    /// Dispose it when done: it holds the accelerator. The accelerator and its loaded kernels then
    /// stay with the process for the next device opened with the same id (see <see cref="DevicePool"/>):
    /// a device opened again starts at once, its kernels already compiled.
    /// </summary>
    /// <exception cref="BlindSpotsException">The string is malformed, no such device exists, an OpenCL
    /// device cannot run ILGPU kernels (the message says why), or the device fails to start.</exception>
    public static ComputeDevice Open(string spec, int batch)
    {
        var (kind, index) = Parse(spec);
        if (kind is not null && DevicePool.TakeIdle(IdOf(kind.Value, index)) is { } idle)
            return new ComputeDevice(idle, kind.Value, index);
        var context = CreateContext();
        try
        {
            if (kind is null)
            {
                var (choice, _) = AutoChoice.Pick(context, batch);
                var (autoKind, autoIndex) = Parse(choice);
                if (DevicePool.TakeIdle(choice) is { } autoIdle)
                {
                    context.Dispose();
                    return new ComputeDevice(autoIdle, autoKind!.Value, autoIndex);
                }
                return Create(context, autoKind!.Value, autoIndex, Usable(context, autoKind.Value)[autoIndex]);
            }

            var devices = Usable(context, kind.Value);
            if (index < devices.Count)
                return Create(context, kind.Value, index, devices[index]);

            string name = kind.Value.ToString().ToLowerInvariant();
            if (kind == DeviceKind.OpenCL)
            {
                var all = context.GetCLDevices();
                if (index < all.Count)
                    throw new BlindSpotsException(
                        $"device '{spec}': OpenCL device '{all[index].Name}' cannot run ILGPU kernels: {WhyUnusable(all[index])}");
            }
            throw new BlindSpotsException(devices.Count == 0
                ? $"device '{spec}': no {name} device on this machine"
                : $"device '{spec}': only {devices.Count} usable {name} device(s), indices 0 to {devices.Count - 1}");
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>The device <c>auto</c> opens on this machine for work of the attack's default batch, as a device string, and why.</summary>
    public static (string Id, string Reason) Auto() => Auto(AutoChoice.DefaultBatch);

    /// <summary>The device <c>auto</c> opens on this machine for work of <paramref name="batch"/> examples at a time, as a device string, and why.</summary>
    public static (string Id, string Reason) Auto(int batch)
    {
        using var context = CreateContext();
        return AutoChoice.Pick(context, batch);
    }

    /// <summary>Every device on this machine, usable or not, with the reason when not.</summary>
    public static IReadOnlyList<DeviceListing> List()
    {
        using var context = CreateContext();
        var list = new List<DeviceListing>();
        foreach (var kind in new[] { DeviceKind.Cuda, DeviceKind.OpenCL, DeviceKind.Cpu })
        {
            var usable = Usable(context, kind);
            for (int i = 0; i < usable.Count; i++)
                list.Add(new DeviceListing($"{kind.ToString().ToLowerInvariant()}:{i}", usable[i].Name,
                    usable[i].MemorySize, null));
        }
        foreach (var cl in context.GetCLDevices())
            if (!IsUsable(cl))
                list.Add(new DeviceListing("opencl (unusable)", cl.Name, cl.MemorySize, WhyUnusable(cl)));
        return list;
    }

    /// <summary>
    /// Finishes the device's work and gives its accelerator back to the process's pool, for the next
    /// device opened with the same id. Tensors and models of this device must not be used afterwards.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0)
            DevicePool.Return(Id, slot);
    }

    private static (DeviceKind? Kind, int Index) Parse(string spec)
    {
        string s = (spec ?? "").Trim().ToLowerInvariant();
        if (s == "auto") return (null, 0);
        string[] parts = s.Split(':');
        DeviceKind? kind = parts[0] switch
        {
            "cpu" => DeviceKind.Cpu,
            "cuda" => DeviceKind.Cuda,
            "opencl" => DeviceKind.OpenCL,
            _ => null,
        };
        if (kind is null || parts.Length > 2)
            throw new BlindSpotsException($"device '{spec}': expected auto, cpu, cuda or opencl, optionally with :index");
        int index = 0;
        if (parts.Length == 2 && (!int.TryParse(parts[1], out index) || index < 0))
            throw new BlindSpotsException($"device '{spec}': the index after ':' must be a non-negative integer");
        return (kind, index);
    }

    private static Context CreateContext() =>
        Context.Create(builder => builder
            // 2 threads per warp (the least ILGPU accepts), one warp per multiprocessor, one
            // multiprocessor per core: the shape that ran our chunked kernels fastest.
            .CPU(new CPUDevice(2, 1, Math.Max(1, Environment.ProcessorCount)))
            .Cuda()
            // List every OpenCL device so that an unusable one can be named with its reason.
            .OpenCL(_ => true)
            .EnableAlgorithms()
            .Math(MathMode.Default));

    internal static List<Device> Usable(Context context, DeviceKind kind)
    {
        var list = new List<Device>();
        switch (kind)
        {
            case DeviceKind.Cpu:
                foreach (var d in context.GetCPUDevices()) list.Add(d);
                break;
            case DeviceKind.Cuda:
                foreach (var d in context.GetCudaDevices()) list.Add(d);
                break;
            default:
                foreach (var d in context.GetCLDevices()) if (IsUsable(d)) list.Add(d);
                break;
        }
        return list;
    }

    private static bool IsUsable(CLDevice d) =>
        d.CLStdVersion >= ILGPU.Backends.OpenCL.CLBackend.MinimumVersion && d.Capabilities.GenericAddressSpace;

    private static string WhyUnusable(CLDevice d) =>
        d.CLStdVersion < ILGPU.Backends.OpenCL.CLBackend.MinimumVersion
            ? $"it supports OpenCL C {d.CLStdVersion}, ILGPU needs {ILGPU.Backends.OpenCL.CLBackend.MinimumVersion}"
            : "it lacks the OpenCL 2.0 generic address space that ILGPU needs";

    private static ComputeDevice Create(Context context, DeviceKind kind, int index, Device device)
    {
        try
        {
            return new ComputeDevice(new DevicePool.Slot(context, device.CreateAccelerator(context)), kind, index);
        }
        catch (Exception e) when (e is not BlindSpotsException)
        {
            throw new BlindSpotsException($"device {kind.ToString().ToLowerInvariant()}:{index} ({device.Name}) failed to start: {e.Message}", e);
        }
    }
}

/// <summary>One line of <see cref="ComputeDevice.List"/>: an id to pass as a device string, or the reason it cannot be used.</summary>
/// <param name="Id">The device string that opens it, e.g. <c>cuda:0</c>; <c>opencl (unusable)</c> for a device ILGPU cannot drive.</param>
/// <param name="Name">The name the driver reports.</param>
/// <param name="MemoryBytes">Device memory in bytes.</param>
/// <param name="Unusable">Why it cannot be used; null when it can.</param>
public sealed record DeviceListing(string Id, string Name, long MemoryBytes, string? Unusable);
