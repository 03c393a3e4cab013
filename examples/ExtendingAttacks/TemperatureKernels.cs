using ILGPU;
using IlgpuBlindSpots.Kernels;

namespace IlgpuBlindSpots.ExtendingAttacks;

/// <summary>
/// The custom layer's kernel: y = x · factor, element-wise, one work item per element through the
/// device's <see cref="WorkSplit"/> (a contiguous chunk per CPU thread, a coalesced stride per GPU
/// thread). The same kernel is the backward pass, dX = dY · factor.
/// </summary>
public static class TemperatureKernels
{
    /// <summary>y[i] = x[i] · factor for every element i of the split.</summary>
    public static void Scale(Index1D t, WorkSplit s, ArrayView<float> x, ArrayView<float> y, float factor)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int i = s.Item(t, j);
            if (i >= s.Count) return;
            y[i] = x[i] * factor;
        }
    }
}
