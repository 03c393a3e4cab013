using IlgpuBlindSpots.Optimizer;
using ILGPU;

namespace IlgpuBlindSpots.Tests.Optimizer;

/// <summary>f = 1 at the given start points and NaN elsewhere, with a constant gradient: every line search fails.</summary>
internal sealed class UndefinedAwayFromStartObjective(ComputeDevice device, Tensor start) : IBatchObjective
{
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, int> kernel =
        device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, int>(
            AnalyticObjectives.UndefinedAwayFromStart);

    public void Evaluate(Tensor x, Tensor value, Tensor gradient, ArrayView<int> active)
    {
        var s = device.Split(start.Batch);
        kernel(s.Threads, s, x.View, value.View, gradient.View, active, start.View, start.RowLength);
    }
}
