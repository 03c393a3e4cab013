using ILGPU;
using ILGPU.Runtime;

namespace IlgpuBlindSpots.Network;

/// <summary>
/// A float32 buffer on a <see cref="ComputeDevice"/> with a shape. Batched tensors put the batch first:
/// images NCHW, dense rows [batch, features]. A reshaped tensor shares its parent's buffer.
/// </summary>
public sealed class Tensor : IDisposable
{
    private readonly MemoryBuffer1D<float, Stride1D.Dense> buffer;
    private readonly ArrayView1D<float, Stride1D.Dense> view;
    private readonly bool ownsBuffer;
    private readonly int[] shape;

    /// <summary>A tensor over the first <paramref name="length"/> elements of <paramref name="buffer"/> (all of it when null).</summary>
    private Tensor(ComputeDevice device, MemoryBuffer1D<float, Stride1D.Dense> buffer, int[] shape, bool ownsBuffer, long? length = null)
    {
        Device = device;
        this.buffer = buffer;
        view = length is { } l ? buffer.View.SubView(0, l) : buffer.View;
        this.shape = shape;
        this.ownsBuffer = ownsBuffer;
    }

    /// <summary>The device whose memory holds the values.</summary>
    public ComputeDevice Device { get; }
    /// <summary>The dimensions, slowest first; every one positive.</summary>
    public IReadOnlyList<int> Shape => shape;
    /// <summary>Number of dimensions.</summary>
    public int Rank => shape.Length;
    /// <summary>Number of elements, the product of the dimensions.</summary>
    public int Length => (int)view.Length;
    /// <summary>The first dimension: the batch of a batched tensor.</summary>
    public int Batch => shape[0];
    /// <summary>Elements per batch row: the product of all dimensions but the first.</summary>
    public int RowLength => Length / Math.Max(1, shape[0]);
    /// <summary>The device buffer, for launching ILGPU kernels on it.</summary>
    public ArrayView<float> View => view;

    /// <summary>A tensor of zeros.</summary>
    /// <exception cref="BlindSpotsException">A dimension is not positive, or the tensor does not fit the device.</exception>
    public static Tensor Zeros(ComputeDevice device, params int[] shape)
    {
        var t = Allocate(device, shape);
        t.view.MemSetToZero();
        return t;
    }

    /// <summary>Device tensors allocated in this process so far, for measuring how often a loop allocates.</summary>
    public static long Allocations => Interlocked.Read(ref allocations);
    private static long allocations;

    /// <summary>
    /// Bytes of device tensors allocated on the calling thread so far, for measuring what a pass
    /// needs per example: per thread, so that other threads' work (another device, a parallel test)
    /// does not count in.
    /// </summary>
    public static long AllocatedBytesOnThisThread => allocatedBytes;
    [ThreadStatic] private static long allocatedBytes;

    /// <summary>A tensor whose contents are left as the allocator gives them: every kernel writing it must cover it.</summary>
    public static Tensor Allocate(ComputeDevice device, params int[] shape)
    {
        Interlocked.Increment(ref allocations);
        long length = CheckedLength(shape);
        if (length > int.MaxValue)
            throw new BlindSpotsException($"tensor of shape {Format(shape)} has {length} elements, more than a buffer can index");
        allocatedBytes += length * sizeof(float);
        try
        {
            return new Tensor(device, device.Accelerator.Allocate1D<float>(length), (int[])shape.Clone(), true);
        }
        catch (Exception e) when (e is OutOfMemoryException || e.GetType().Name.Contains("OutOfMemory") ||
                                  e is ILGPU.Runtime.AcceleratorException)
        {
            throw new BlindSpotsException(
                $"tensor of shape {Format(shape)} ({length * 4 / (1 << 20)} MiB) does not fit in the memory of {device.Id}; use a smaller batch", e);
        }
    }

    /// <summary>Copies host data into a new device tensor of the given shape; dispose it when done.</summary>
    /// <exception cref="BlindSpotsException">The data does not have exactly as many values as the shape, or the tensor does not fit the device.</exception>
    public static Tensor FromArray(ComputeDevice device, float[] data, params int[] shape)
    {
        if (CheckedLength(shape) != data.Length)
            throw new BlindSpotsException($"{data.Length} values cannot fill a tensor of shape {Format(shape)}");
        var t = Allocate(device, shape);
        t.view.CopyFromCPU(data);
        return t;
    }

    /// <summary>Overwrites the whole tensor from host memory.</summary>
    public void CopyFrom(ReadOnlySpan<float> data)
    {
        if (data.Length != Length)
            throw new BlindSpotsException($"{data.Length} values cannot fill a tensor of shape {Format(shape)}");
        // The span overload pins the host memory for the whole copy. The overload taking a `ref`
        // does not: an OpenCL copy reads the host memory after the enqueueing call has allocated
        // and waited in native code, and an array the garbage collector moved meanwhile was read
        // at its old address (garbage, NaN among it, as parameters initialised from the host).
        ((ArrayView<float>)view).CopyFromCPU(data);
    }

    /// <summary>Copies device to device; shapes must hold the same number of elements.</summary>
    public void CopyFrom(Tensor source)
    {
        if (source.Length != Length)
            throw new BlindSpotsException($"cannot copy a tensor of shape {Format(source.shape)} into one of shape {Format(shape)}");
        view.CopyFrom(source.view);
    }

    /// <summary>Sets every element to zero.</summary>
    public void Zero() => view.MemSetToZero();

    /// <summary>Reads the whole tensor back to the host (waits for pending kernels).</summary>
    public float[] ToArray() => view.GetAsArray1D();

    /// <summary>The same buffer seen with another shape of equal size.</summary>
    public Tensor Reshape(params int[] newShape)
    {
        if (CheckedLength(newShape) != Length)
            throw new BlindSpotsException($"cannot reshape {Format(shape)} to {Format(newShape)}");
        return new Tensor(Device, buffer, (int[])newShape.Clone(), false, Length);
    }

    /// <summary>
    /// The first <paramref name="rows"/> rows of this batched tensor, sharing its buffer (nothing is
    /// allocated): a smaller batch in memory sized for a larger one.
    /// </summary>
    public Tensor Leading(int rows)
    {
        if (rows < 1 || rows > Batch)
            throw new BlindSpotsException($"cannot take {rows} rows of a tensor of shape {Format(shape)}");
        int[] leading = (int[])shape.Clone();
        leading[0] = rows;
        return new Tensor(Device, buffer, leading, false, (long)rows * RowLength);
    }

    /// <summary>The memory this tensor's values live in, shared by its reshaped and leading views: what a graph model counts readers of.</summary>
    internal object Storage => buffer;

    /// <summary>The first elements of this tensor's buffer seen with <paramref name="newShape"/>, which must not hold more than the buffer.</summary>
    internal Tensor Prefix(int[] newShape)
    {
        long length = CheckedLength(newShape);
        if (length > buffer.Length)
            throw new InvalidOperationException($"{Format(newShape)} does not fit a buffer of {buffer.Length} values");
        return new Tensor(Device, buffer, (int[])newShape.Clone(), false, length);
    }

    /// <summary>Frees the buffer, unless this tensor is a reshaped view of another, which owns it.</summary>
    public void Dispose()
    {
        if (ownsBuffer) buffer.Dispose();
    }

    /// <summary>The shape, e.g. <c>Tensor[8, 1, 28, 28]</c>.</summary>
    public override string ToString() => $"Tensor{Format(shape)}";

    /// <summary>A shape as text, e.g. <c>[8, 1, 28, 28]</c>.</summary>
    public static string Format(IReadOnlyList<int> shape) => "[" + string.Join(", ", shape) + "]";

    private static long CheckedLength(int[] shape)
    {
        if (shape.Length == 0)
            throw new BlindSpotsException("a tensor needs at least one dimension");
        long n = 1;
        foreach (int d in shape)
        {
            if (d <= 0)
                throw new BlindSpotsException($"tensor shape {Format(shape)} has a dimension that is not positive");
            n *= d;
        }
        return n;
    }
}
