namespace IlgpuBlindSpots.Optimizer;

/// <summary>
/// How <see cref="ProjectedLbfgs"/> lays out its own per-problem buffers (search direction, free-variable
/// mask, correction history). Results are identical, bit for bit; only memory access differs.
/// </summary>
public enum LbfgsLayout
{
    /// <summary>Problem-major on the CPU accelerator, element-major on GPUs.</summary>
    Auto,
    /// <summary>[P, n]: each problem's values contiguous, as the CPU's per-thread chunks want.</summary>
    ProblemMajor,
    /// <summary>[n, P]: element k of all problems contiguous, so a GPU's neighbouring threads read neighbouring addresses.</summary>
    ElementMajor,
}
