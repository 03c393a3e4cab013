namespace IlgpuBlindSpots.Optimizer;

/// <summary>Why one problem of a <see cref="ProjectedLbfgs"/> batch stopped, in SciPy L-BFGS-B's terms.</summary>
public enum StopReason
{
    /// <summary>Still running: only seen if the run was cut short by its safety limit on rounds.</summary>
    Running = Lbfgs.StatusRunning,
    /// <summary>‖P(x − g) − x‖∞ ≤ ProjectedGradientTolerance (SciPy: NORM_OF_PROJECTED_GRADIENT_&lt;=_PGTOL).</summary>
    Converged = Lbfgs.StatusConverged,
    /// <summary>(f_k − f_k+1)/max(|f_k|, |f_k+1|, 1) ≤ RelativeReductionTolerance (SciPy: REL_REDUCTION_OF_F_&lt;=_FACTR*EPSMCH).</summary>
    RelativeReductionBelowTolerance = Lbfgs.StatusRelativeReduction,
    /// <summary>MaxIterations steps were accepted.</summary>
    MaxIterations = Lbfgs.StatusMaxIterations,
    /// <summary>No trial along −g gave sufficient decrease (SciPy: ABNORMAL_TERMINATION_IN_LNSRCH).</summary>
    LineSearchFailed = Lbfgs.StatusLineSearchFailed,
}
