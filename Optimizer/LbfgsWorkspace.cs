using ILGPU;
using ILGPU.Runtime;
using IlgpuBlindSpots.Kernels;
using IlgpuBlindSpots.Network;

namespace IlgpuBlindSpots.Optimizer;

/// <summary>
/// The device buffers of one batched L-BFGS run (layouts in <see cref="Lbfgs"/>), kept by
/// <see cref="ProjectedLbfgs"/> across calls of the same shape so that repeated warm-started
/// solves allocate nothing.
/// </summary>
internal sealed class LbfgsWorkspace : IDisposable
{
    private readonly List<IDisposable> owned = [];

    /// <summary>Device buffers one workspace allocates besides its tensors (counted by <see cref="Tensor.Allocations"/>).</summary>
    public const int Buffers = 3;

    public LbfgsWorkspace(ComputeDevice device, IReadOnlyList<int> shape, int memory)
    {
        Shape = shape.ToArray();
        Memory = memory;
        Problems = Shape[0];
        Dimension = Shape.Skip(1).Aggregate(1, (a, b) => a * b);
        // Shapes of the solver's own buffers are nominal: LbfgsSettings.ElementMajor decides their layout.
        int[] rows = [Problems, Dimension];
        try
        {
            Gradient = Own(Tensor.Allocate(device, Shape));
            TrialX = Own(Tensor.Allocate(device, Shape));
            TrialGradient = Own(Tensor.Allocate(device, Shape));
            Value = Own(Tensor.Allocate(device, Problems));
            FreeMask = Own(Tensor.Allocate(device, rows));
            Direction = Own(Tensor.Allocate(device, rows));
            SHistory = Own(Tensor.Allocate(device, Problems, memory + 1, Dimension));
            YHistory = Own(Tensor.Allocate(device, Problems, memory + 1, Dimension));
            State = Own(Allocate<int>(device, (long)Lbfgs.IntFields * Problems + 1));
            Real = Own(Allocate<double>(device, (long)Lbfgs.RealFields * Problems));
            Pairs = Own(Allocate<double>(device, 2L * memory * Problems));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int[] Shape { get; }
    public int Memory { get; }
    public int Problems { get; }
    public int Dimension { get; }
    /// <summary>∇f at the current iterate.</summary>
    public Tensor Gradient { get; }
    public Tensor TrialX { get; }
    public Tensor TrialGradient { get; }
    /// <summary>f of the latest evaluation, [P].</summary>
    public Tensor Value { get; }
    public Tensor FreeMask { get; }
    public Tensor Direction { get; }
    public Tensor SHistory { get; }
    public Tensor YHistory { get; }
    public MemoryBuffer1D<int, Stride1D.Dense> State { get; }
    public MemoryBuffer1D<double, Stride1D.Dense> Real { get; }
    public MemoryBuffer1D<double, Stride1D.Dense> Pairs { get; }

    /// <summary>The running mask [P], the view handed to the objective.</summary>
    public ArrayView<int> Running => State.View.SubView((long)Lbfgs.Running * Problems, Problems);

    public bool Fits(IReadOnlyList<int> shape, int memory) => memory == Memory && shape.SequenceEqual(Shape);

    /// <summary>How many problems have stopped: one int read back from the device.</summary>
    public int StoppedCount()
    {
        var one = new int[1];
        State.View.SubView((long)Lbfgs.IntFields * Problems, 1).CopyToCPU(one);
        return one[0];
    }

    /// <summary>The whole int state, read back once at the end of a run.</summary>
    public int[] ReadState() => State.GetAsArray1D();

    /// <summary>The whole float64 state, read back once at the end of a run.</summary>
    public double[] ReadReal() => Real.GetAsArray1D();

    public void Dispose()
    {
        foreach (var d in owned) d.Dispose();
        owned.Clear();
    }

    private T Own<T>(T resource) where T : IDisposable
    {
        owned.Add(resource);
        return resource;
    }

    private static MemoryBuffer1D<T, Stride1D.Dense> Allocate<T>(ComputeDevice device, long length) where T : unmanaged
    {
        try
        {
            return device.Accelerator.Allocate1D<T>(length);
        }
        catch (Exception e) when (e is OutOfMemoryException || e is AcceleratorException)
        {
            throw new BlindSpotsException(
                $"L-BFGS state of {length} {typeof(T).Name} values does not fit in the memory of {device.Id}; use fewer problems per batch", e);
        }
    }
}
