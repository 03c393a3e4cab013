using ILGPU;
using ILGPU.Runtime;

namespace IlgpuBlindSpots.Optimizer.Units;

/// <summary>
/// For every direction v, the k images x of a set with the largest ⟨φ(x), v⟩, on the device:
/// projections P = A·Vᵀ [N, directions] by the dense layer's kernel (<see cref="Dense.Forward"/>
/// with a zero bias), then <see cref="TopK"/> per column. Only the k best of each direction are read back.
/// </summary>
internal static class TopImages
{
    /// <summary>Rows of the projection matrix one top-k candidate item scans.</summary>
    internal const int ChunkRows = 256;

    /// <summary>
    /// Row numbers [directions.Count, k] of the k images with the largest projection on each
    /// direction, best first (equal projections: the lower row first), and those projections.
    /// </summary>
    public static (int[] Rows, float[] Projections) Select(Tensor activations, DirectionSet directions, int k)
    {
        ArgumentNullException.ThrowIfNull(activations);
        ArgumentNullException.ThrowIfNull(directions);
        int n = activations.Batch, units = activations.RowLength, m = directions.Count;
        if (units != directions.Units)
            throw new ArgumentException($"directions of {directions.Units} units for activations of {units}");
        if (k < 1 || k > n)
            throw new BlindSpotsException($"cannot pick the top {k} of {n} images");
        var device = activations.Device;
        var project = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(Dense.Forward);
        var candidates = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<int>, int, int, int, int>(TopK.Candidates);
        var merge = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<int>, int, int>(TopK.Merge);

        using var v = Tensor.FromArray(device, directions.Rows, m, units);
        using var zero = Tensor.Zeros(device, m);
        using var projections = Tensor.Allocate(device, n, m);
        var sp = device.Split(((n + 3) / 4) * ((m + 3) / 4));
        project(sp.Threads, sp, activations.View, v.View, zero.View, projections.View, n, units, m);

        int chunks = (n + ChunkRows - 1) / ChunkRows;
        using var candidateValues = device.Accelerator.Allocate1D<float>((long)m * chunks * k);
        using var candidateRows = device.Accelerator.Allocate1D<int>((long)m * chunks * k);
        using var topValues = device.Accelerator.Allocate1D<float>((long)m * k);
        using var topRows = device.Accelerator.Allocate1D<int>((long)m * k);
        var sc = device.Split(m * chunks);
        candidates(sc.Threads, sc, projections.View, candidateValues.View, candidateRows.View, n, m, ChunkRows, k);
        var sm = device.Split(m);
        merge(sm.Threads, sm, candidateValues.View, candidateRows.View, topValues.View, topRows.View, chunks, k);
        int[] rows = topRows.GetAsArray1D();
        float[] values = topValues.GetAsArray1D();
        for (int d = 0; d < m; d++)
            if (rows[d * k + k - 1] < 0)
                throw new BlindSpotsException(
                    $"{directions.Kind.ToString().ToLowerInvariant()} direction {directions.Numbers[d]}: fewer than {k} images have a finite projection (the activations hold NaN)");
        return (rows, values);
    }
}
