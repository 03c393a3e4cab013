namespace IlgpuBlindSpots.Optimizer;

/// <summary>
/// How <see cref="ProjectedLbfgs"/> lays out its own per-problem buffers (search direction, free-variable
/// mask, correction history) and how its kernels spread over them. The first two give identical
/// results, bit for bit; <see cref="ProblemGroups"/> sums in another order.
/// </summary>
public enum LbfgsLayout
{
    /// <summary>Problem-major on the CPU accelerator, <see cref="ProblemGroups"/> on GPUs and OpenCL devices.</summary>
    Auto,
    /// <summary>[P, n]: each problem's values contiguous, as the CPU's per-thread chunks want.</summary>
    ProblemMajor,
    /// <summary>[n, P]: element k of all problems contiguous, so a GPU's neighbouring threads read neighbouring addresses.</summary>
    ElementMajor,
    /// <summary>
    /// [P, n] with a thread group per problem (<see cref="IlgpuBlindSpots.Kernels.LbfgsByGroup"/>): each
    /// problem's lanes read neighbouring addresses of its own rows, and dot products are tree sums,
    /// so results equal the others' up to the order of float64 sums. Auto's choice on GPUs and OpenCL devices.
    /// </summary>
    ProblemGroups,
}
