using ILGPU;
using ILGPU.Runtime;

namespace IlgpuBlindSpots.Optimizer.Analysis;

/// <summary>
/// Power iteration on up to <see cref="Capacity"/> independent matrices of <see cref="Rows"/>×<see cref="Cols"/>
/// at once, on the device (see <see cref="Spectral"/>). The caller owns the matrices and supplies
/// the two products: <c>applyA(n)</c> must write U = A·V and <c>applyAdjoint(n)</c> W = Aᴴ·U for the
/// first n problems, skipping those whose <see cref="Active"/> flag is 0.
/// </summary>
/// <remarks>
/// Every iteration is three launches and no read-back; the host reads the active flags every
/// <see cref="CheckEvery"/> iterations to stop when every problem has. Buffers are float64 and
/// zeroed once, so a real problem (whose products never write the imaginary parts) keeps them zero.
/// </remarks>
internal sealed class BatchedPowerIteration : IDisposable
{
    private const int CheckEvery = 10;

    private readonly ComputeDevice device;
    private readonly MemoryBuffer1D<double, Stride1D.Dense> vRe, vIm, uRe, uIm, wRe, wIm, sigma, change;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> iterations, active;
    private readonly Action<Index1D, WorkSplit, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>,
        ArrayView<int>, ArrayView<int>, int, int, int> start;
    private readonly Action<Index1D, WorkSplit, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>,
        ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<int>, ArrayView<int>, int, int, double> step;

    public BatchedPowerIteration(ComputeDevice device, int capacity, int rows, int cols)
    {
        this.device = device;
        Capacity = capacity;
        Rows = rows;
        Cols = cols;
        var buffers = new List<IDisposable>();
        try
        {
            vRe = Zeroed<double>(buffers, (long)capacity * cols);
            vIm = Zeroed<double>(buffers, (long)capacity * cols);
            wRe = Zeroed<double>(buffers, (long)capacity * cols);
            wIm = Zeroed<double>(buffers, (long)capacity * cols);
            uRe = Zeroed<double>(buffers, (long)capacity * rows);
            uIm = Zeroed<double>(buffers, (long)capacity * rows);
            sigma = Zeroed<double>(buffers, capacity);
            change = Zeroed<double>(buffers, capacity);
            iterations = Zeroed<int>(buffers, capacity);
            active = Zeroed<int>(buffers, capacity);
        }
        catch
        {
            foreach (var b in buffers) b.Dispose();
            throw;
        }
        start = device.KernelCache.Load<WorkSplit, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>,
            ArrayView<int>, ArrayView<int>, int, int, int>(Spectral.PowerIterationStart);
        step = device.KernelCache.Load<WorkSplit, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>,
            ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<int>, ArrayView<int>,
            int, int, double>(Spectral.PowerIterationStep);
    }

    public int Capacity { get; }
    public int Rows { get; }
    public int Cols { get; }
    public ArrayView<double> VRe => vRe.View;
    public ArrayView<double> VIm => vIm.View;
    public ArrayView<double> URe => uRe.View;
    public ArrayView<double> UIm => uIm.View;
    public ArrayView<double> WRe => wRe.View;
    public ArrayView<double> WIm => wIm.View;
    public ArrayView<int> Active => active.View;

    /// <summary>Runs the first <paramref name="problems"/> problems to convergence or the iteration cap.</summary>
    public BatchOutcome Run(int problems, bool complexValued, Action<int> applyA, Action<int> applyAdjoint, PowerIterationOptions options)
    {
        var s = device.Split(problems);
        start(s.Threads, s, vRe.View, vIm.View, sigma.View, change.View, iterations.View, active.View,
            Cols, options.Seed, complexValued ? 1 : 0);
        for (int it = 1; it <= options.MaxIterations; it++)
        {
            applyA(problems);
            applyAdjoint(problems);
            step(s.Threads, s, uRe.View, uIm.View, wRe.View, wIm.View, vRe.View, vIm.View, sigma.View, change.View,
                iterations.View, active.View, Rows, Cols, options.Tolerance);
            if (it % CheckEvery == 0 && Read(active, problems).All(a => a == 0))
                break;
        }
        return new BatchOutcome(Read(sigma, problems), Read(iterations, problems), Read(change, problems),
            Read(active, problems).Select(a => a == 0).ToArray());
    }

    public void Dispose()
    {
        foreach (var b in new IDisposable[] { vRe, vIm, uRe, uIm, wRe, wIm, sigma, change, iterations, active })
            b.Dispose();
    }

    private static T[] Read<T>(MemoryBuffer1D<T, Stride1D.Dense> buffer, int count) where T : unmanaged
    {
        var host = new T[count];
        buffer.View.SubView(0, count).CopyToCPU(host);
        return host;
    }

    private MemoryBuffer1D<T, Stride1D.Dense> Zeroed<T>(List<IDisposable> owned, long length) where T : unmanaged
    {
        MemoryBuffer1D<T, Stride1D.Dense> buffer;
        try
        {
            buffer = device.Accelerator.Allocate1D<T>(Math.Max(1, length));
        }
        catch (Exception e) when (e is OutOfMemoryException || e is AcceleratorException)
        {
            throw new BlindSpotsException(
                $"power iteration buffers of {length} {typeof(T).Name} values do not fit in the memory of {device.Id}", e);
        }
        owned.Add(buffer);
        buffer.MemSetToZero();
        return buffer;
    }
}

/// <summary>Per problem: the estimate σ, iterations taken, the last relative change, and whether it converged.</summary>
internal sealed record BatchOutcome(double[] Sigma, int[] Iterations, double[] Change, bool[] Converged);
