namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// Sizes and tolerances of one batched L-BFGS run, passed by value to every <see cref="Lbfgs"/>
/// kernel so that a launch needs few parameters. Built with an object initializer that names each
/// field; nothing is validated here (the optimizer's options are).
/// </summary>
public struct LbfgsSettings
{
    /// <summary>P: independent problems in the batch.</summary>
    public int Problems;
    /// <summary>n: variables per problem.</summary>
    public int Dimension;
    /// <summary>m: correction pairs kept per problem. The ring holds m + 1 slots, see <see cref="Lbfgs"/>.</summary>
    public int Memory;
    /// <summary>Accepted steps after which a problem stops with <see cref="Lbfgs.StatusMaxIterations"/>.</summary>
    public int MaxIterations;
    /// <summary>Trials of one line search (the first at the initial step, then halving) before it fails.</summary>
    public int MaxLineSearchSteps;
    /// <summary>c₁ of the sufficient-decrease test f(x(α)) ≤ f(x) + c₁·gᵀ(x(α) − x).</summary>
    public double SufficientDecrease;
    /// <summary>Converged when ‖P(x − g) − x‖∞ is at most this.</summary>
    public double ProjectedGradientTolerance;
    /// <summary>Stop when (f_k − f_k+1)/max(|f_k|, |f_k+1|, 1) is at most this (SciPy's factr·eps).</summary>
    public double RelativeReductionTolerance;
    /// <summary>A pair (s, y) is used only when sᵀy &gt; this·yᵀy.</summary>
    public double CurvatureTolerance;
    /// <summary>Relative size of the rounding noise in f, below which the line search trusts gradients instead of f.</summary>
    public double ValueNoiseTolerance;
    /// <summary>
    /// 1: the optimizer's own buffers (freeMask, direction, histories) put the problem index last,
    /// element k of problem p at k·P + p (for GPUs); 0: problem-major like x (for the CPU).
    /// </summary>
    public int ElementMajor;
}
