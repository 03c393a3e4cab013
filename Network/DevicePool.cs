using ILGPU;
using ILGPU.Runtime;

namespace IlgpuBlindSpots.Network;

/// <summary>
/// The accelerators this process has started, kept with their loaded kernels for the life of the
/// process and lent to one <see cref="ComputeDevice"/> at a time. Starting an accelerator and compiling its
/// kernels costs far more than most work done on it: on an OpenCL device every kernel is compiled
/// to native code by the OpenCL driver, and ILGPU names the types of its generated source by
/// process-wide counters, so a kernel compiled again in a new context is new source to the driver
/// and misses its cache. A device opened again (a command run after another, a test after another)
/// reuses an idle accelerator of the same device, kernels already loaded.
/// </summary>
/// <remarks>
/// A lent accelerator is exclusive to its <see cref="ComputeDevice"/>: two devices open at once on the same
/// device string (<c>--device cpu,cpu</c>) get two accelerators, as two threads must not launch
/// on one stream together (an OpenCL launch sets the kernel's arguments, then enqueues it).
/// </remarks>
internal static class DevicePool
{
    /// <summary>One started accelerator: its context, the accelerator and its loaded kernels.</summary>
    internal sealed class Slot(Context context, Accelerator accelerator)
    {
        public Context Context { get; } = context;
        public Accelerator Accelerator { get; } = accelerator;
        public KernelCache KernelCache { get; } = new(accelerator);
    }

    private static readonly Dictionary<string, Stack<Slot>> idle = [];
    private static readonly Lock gate = new();

    /// <summary>An idle accelerator of the device <paramref name="id"/> (e.g. <c>opencl:0</c>), or null when none is idle.</summary>
    public static Slot? TakeIdle(string id)
    {
        lock (gate)
            return idle.TryGetValue(id, out var slots) && slots.Count > 0 ? slots.Pop() : null;
    }

    /// <summary>Gives an accelerator back when its device is disposed, its work finished, for the next device opened with the same id.</summary>
    public static void Return(string id, Slot slot)
    {
        slot.Accelerator.Synchronize();
        lock (gate)
        {
            if (!idle.TryGetValue(id, out var slots)) idle[id] = slots = new Stack<Slot>();
            slots.Push(slot);
        }
    }

    /// <summary>How many accelerators of <paramref name="id"/> are idle now (for tests).</summary>
    public static int IdleCount(string id)
    {
        lock (gate)
            return idle.TryGetValue(id, out var slots) ? slots.Count : 0;
    }
}
