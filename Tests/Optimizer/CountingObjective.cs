using IlgpuBlindSpots.Optimizer;
using ILGPU;
using ILGPU.Runtime;

namespace IlgpuBlindSpots.Tests.Optimizer;

/// <summary>
/// Wraps an objective and counts, per problem, the calls in which the optimizer asked for it (reads
/// the active mask back on every call: a test-only cost).
/// </summary>
internal sealed class CountingObjective(IBatchObjective inner, int problems) : IBatchObjective
{
    public int[] Requests { get; } = new int[problems];
    public int Calls { get; private set; }

    public void Evaluate(Tensor x, Tensor value, Tensor gradient, ArrayView<int> active)
    {
        Assert.Equal(problems, (int)active.Length);
        int[] mask = active.GetAsArray();
        for (int p = 0; p < problems; p++)
            if (mask[p] != 0) Requests[p]++;
        Calls++;
        inner.Evaluate(x, value, gradient, active);
    }
}
