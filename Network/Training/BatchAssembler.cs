using ILGPU;
using ILGPU.Runtime;
using IlgpuBlindSpots.Kernels;

namespace IlgpuBlindSpots.Network.Training;

/// <summary>
/// Assembles a training batch on the device: data rows picked by the epoch's permutation, then
/// (when a pool is mixed in) pool rows drawn uniformly from the pool, each with its label.
/// </summary>
/// <remarks>
/// The pool rows of step s are drawn on the host from the run's seed and s (a few integers,
/// uploaded once per step), so a run's batches depend only on its options and the pool's contents.
/// </remarks>
internal sealed class BatchAssembler : IDisposable
{
    private readonly ComputeDevice device;
    private readonly Dictionary<int, Tensor> batches = [];
    private readonly Dictionary<int, (Tensor X, MemoryBuffer1D<int, Stride1D.Dense> Labels, MemoryBuffer1D<int, Stride1D.Dense> Indices)> poolBatches = [];
    private readonly MemoryBuffer1D<int, Stride1D.Dense> labels, poolIndices;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int> gatherRows;
    private readonly Action<Index1D, WorkSplit, ArrayView<int>, ArrayView<int>, ArrayView<int>, int> gatherLabels;
    private readonly int[] inputShape;

    public BatchAssembler(ComputeDevice device, int[] inputShape, int maxRows, int maxPoolRows)
    {
        this.device = device;
        this.inputShape = inputShape;
        labels = device.Accelerator.Allocate1D<int>(Math.Max(1, maxRows));
        poolIndices = device.Accelerator.Allocate1D<int>(Math.Max(1, maxPoolRows));
        gatherRows = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int>(Gather.Rows);
        gatherLabels = device.KernelCache.Load<WorkSplit, ArrayView<int>, ArrayView<int>, ArrayView<int>, int>(Gather.Labels);
    }

    /// <summary>
    /// The batch of step <paramref name="step"/>: rows 0..dataRows−1 are data examples
    /// permutation[start ..], rows dataRows.. are <paramref name="poolRows"/> pool examples (none
    /// when the pool is empty). The tensors are reused: valid until the next call.
    /// </summary>
    public (Tensor X, ArrayView<int> Labels) Assemble(DeviceDataset data, ArrayView<int> permutation, int start, int dataRows,
        IExamplePool? pool, int poolRows, int seed, long step)
    {
        if (pool == null || pool.Count == 0) poolRows = 0;
        int rows = dataRows + poolRows, n = data.Images.RowLength;
        if (!batches.TryGetValue(rows, out var x)) batches[rows] = x = Tensor.Allocate(device, [rows, .. inputShape]);
        var y = labels.View.SubView(0, rows);

        var sd = device.Split(dataRows * n);
        gatherRows(sd.Threads, sd, data.Images.View, permutation, x.View, start, n);
        var sl = device.Split(dataRows);
        gatherLabels(sl.Threads, sl, data.Labels, permutation, y, start);
        if (poolRows > 0)
        {
            var indices = poolIndices.View.SubView(0, poolRows);
            indices.CopyFromCPU(PoolDraw(seed, step, pool!.Count, poolRows));
            var sp = device.Split(poolRows * n);
            gatherRows(sp.Threads, sp, pool.Images.View, indices, x.View.SubView((long)dataRows * n, (long)poolRows * n), 0, n);
            var spl = device.Split(poolRows);
            gatherLabels(spl.Threads, spl, pool.Labels, indices, y.SubView(dataRows, poolRows), 0);
        }
        return (x, y);
    }

    /// <summary>
    /// <paramref name="rows"/> examples of a hidden layer's pool for step <paramref name="step"/>,
    /// drawn uniformly (with the pool's layer in the seed, so pools draw independently), with their
    /// labels. The tensors are reused per layer: valid until the next call for that layer.
    /// </summary>
    public (Tensor X, ArrayView<int> Labels) AssemblePool(IExamplePool pool, int rows, int seed, long step)
    {
        int n = pool.Images.RowLength;
        if (!poolBatches.TryGetValue(pool.Layer, out var b) || b.X.Batch != rows || b.X.RowLength != n)
        {
            if (b.X != null) { b.X.Dispose(); b.Labels.Dispose(); b.Indices.Dispose(); }
            b = (Tensor.Allocate(device, rows, n), device.Accelerator.Allocate1D<int>(rows), device.Accelerator.Allocate1D<int>(rows));
            poolBatches[pool.Layer] = b;
        }
        b.Indices.View.CopyFromCPU(PoolDraw(unchecked(seed * 31 + pool.Layer), step, pool.Count, rows));
        var sp = device.Split(rows * n);
        gatherRows(sp.Threads, sp, pool.Images.View, b.Indices.View, b.X.View, 0, n);
        var sl = device.Split(rows);
        gatherLabels(sl.Threads, sl, pool.Labels, b.Indices.View, b.Labels.View, 0);
        return (b.X, b.Labels.View);
    }

    /// <summary>The pool rows of step <paramref name="step"/>: <paramref name="rows"/> draws with replacement from [0, <paramref name="count"/>).</summary>
    public static int[] PoolDraw(int seed, long step, int count, int rows)
    {
        ulong h = unchecked((ulong)step * 0x9E3779B97F4A7C15ul ^ (uint)seed * 0xC2B2AE3D27D4EB4Ful);
        h ^= h >> 31;
        var rng = new Random((int)(h & 0x7FFFFFFF));
        var draw = new int[rows];
        for (int i = 0; i < rows; i++) draw[i] = rng.Next(count);
        return draw;
    }

    public void Dispose()
    {
        foreach (var t in batches.Values) t.Dispose();
        foreach (var (x, l, i) in poolBatches.Values) { x.Dispose(); l.Dispose(); i.Dispose(); }
        labels.Dispose();
        poolIndices.Dispose();
    }
}
