using IlgpuBlindSpots.Optimizer;
using ILGPU;

namespace IlgpuBlindSpots.Tests.Optimizer;

/// <summary>P chained Rosenbrock problems of n variables.</summary>
internal sealed class RosenbrockObjective(ComputeDevice device, int problems, int n) : IBatchObjective
{
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, int> kernel =
        device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, int>(AnalyticObjectives.Rosenbrock);

    public void Evaluate(Tensor x, Tensor value, Tensor gradient, ArrayView<int> active)
    {
        var s = device.Split(problems);
        kernel(s.Threads, s, x.View, value.View, gradient.View, active, n);
    }
}
