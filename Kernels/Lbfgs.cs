using ILGPU;
using ILGPU.Algorithms;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// Fused kernels of a batched L-BFGS for bound-constrained problems: P independent problems of n
/// variables each, advanced in lock-step rounds of one objective evaluation each. One work item
/// is one problem; it walks its own rows, accumulating every dot product in float64.
/// </summary>
/// <remarks>
/// <para>Buffers (float32 unless noted):
/// x, g, xTrial, gTrial, lower, upper [P, n], shared with the objective;
/// freeMask, direction [P, n] and sHistory, yHistory [P, m + 1, n] (a ring per problem), or, with
/// <see cref="LbfgsSettings.ElementMajor"/>, [n, P] and [m + 1, n, P]: the layout in which a GPU's
/// neighbouring threads (neighbouring problems) read neighbouring addresses in the two-loop passes,
/// which dominate the optimizer's memory traffic;
/// value [P], the objective's output;
/// state (int) [<see cref="IntFields"/>, P] followed by one counter of stopped problems;
/// real (float64) [<see cref="RealFields"/>, P];
/// pairs (float64) [2m, P]: α of problem p's j-th newest pair at [j, p], its ρ at [m + j, p],
/// scratch of one two-loop.
/// Per-problem fields are field-major so that neighbouring problems touch neighbouring memory.</para>
/// <para>The ring has m + 1 slots: the m newest pairs plus slot HistoryHead, where an accepted step
/// writes its (s, y) before its curvature is known. A pair that fails the curvature test is thus
/// simply not kept, without having overwritten the oldest kept one.</para>
/// <para>A round is PrepareTrial, the objective at xTrial, AcceptOrBacktrack. A problem whose trial
/// failed backtracks in the next round while others start new iterations, so no launch waits for
/// the slowest line search and the host needs no read-back between rounds.</para>
/// </remarks>
public static class Lbfgs
{
    // Fields of the int state [IntFields, P].
    /// <summary>1 while the problem runs: the mask every kernel and the objective honour.</summary>
    public const int Running = 0;
    /// <summary>0 while running, then one of the Status* codes.</summary>
    public const int Status = 1;
    /// <summary>Accepted steps.</summary>
    public const int Iterations = 2;
    /// <summary>Objective evaluations of this problem, the one at the start point included.</summary>
    public const int Evaluations = 3;
    /// <summary>Correction pairs kept, at most m.</summary>
    public const int HistoryCount = 4;
    /// <summary>Ring slot the next pair is written to; the newest kept pair is the slot before it.</summary>
    public const int HistoryHead = 5;
    /// <summary>
    /// Trials of the current line search evaluated and rejected; 0 means a new direction is due,
    /// <see cref="TrialsStartPending"/> that the start point itself is the next trial (a restart).
    /// </summary>
    public const int Trials = 6;
    /// <summary>1 when the latest round made its trial the iterate (the start point included), else 0.</summary>
    public const int Accepted = 7;
    /// <summary>Rows of the int state per problem.</summary>
    public const int IntFields = 8;

    /// <summary>
    /// <see cref="Trials"/> of a problem restarted inside a run: its next round evaluates the start
    /// point x (as xTrial) and records it as <see cref="FirstPoint"/> would, instead of a step.
    /// </summary>
    public const int TrialsStartPending = -1;

    // Fields of the float64 state [RealFields, P].
    /// <summary>f at the current iterate.</summary>
    public const int Value = 0;
    /// <summary>α of the current trial point.</summary>
    public const int Step = 1;
    /// <summary>gᵀ(x(α) − x) of the current trial point: the decrease a linear model predicts.</summary>
    public const int Slope = 2;
    /// <summary>‖P(x − g) − x‖∞ at the current iterate.</summary>
    public const int ProjectedGradientNorm = 3;
    /// <summary>Rows of the float64 state per problem.</summary>
    public const int RealFields = 4;

    // Status codes; the optimizer's StopReason takes its values from these.
    /// <summary>Not stopped yet.</summary>
    public const int StatusRunning = 0;
    /// <summary>The projected gradient's largest entry fell to the tolerance.</summary>
    public const int StatusConverged = 1;
    /// <summary>An accepted step reduced f by at most the relative tolerance.</summary>
    public const int StatusRelativeReduction = 2;
    /// <summary>The allowed number of steps was accepted.</summary>
    public const int StatusMaxIterations = 3;
    /// <summary>Every trial of a line search failed the sufficient-decrease test.</summary>
    public const int StatusLineSearchFailed = 4;

    /// <summary>
    /// Projects each start point onto its box and resets the state to running with no history;
    /// problem 0 also zeroes the stopped counter. Items: P.
    /// </summary>
    public static void Start(Index1D t, WorkSplit s, LbfgsSettings settings,
        ArrayView<int> state, ArrayView<float> x, ArrayView<float> lower, ArrayView<float> upper)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int p = s.Item(t, j);
            if (p >= s.Count) return;
            int problems = settings.Problems, row = p * settings.Dimension;
            for (int k = 0; k < settings.Dimension; k++)
                x[row + k] = Clamp(x[row + k], lower[row + k], upper[row + k]);
            state[Running * problems + p] = 1;
            state[Status * problems + p] = StatusRunning;
            state[Iterations * problems + p] = 0;
            state[Evaluations * problems + p] = 0;
            state[HistoryCount * problems + p] = 0;
            state[HistoryHead * problems + p] = 0;
            state[Trials * problems + p] = 0;
            state[Accepted * problems + p] = 0;
            if (p == 0) state[IntFields * problems] = 0;
        }
    }

    /// <summary>
    /// Records f and the projected gradient at the start point (evaluated into value and g) and
    /// stops the problems already converged there. Items: P.
    /// </summary>
    public static void FirstPoint(Index1D t, WorkSplit s, LbfgsSettings settings,
        ArrayView<int> state, ArrayView<double> real, ArrayView<float> value,
        ArrayView<float> x, ArrayView<float> g, ArrayView<float> lower, ArrayView<float> upper)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int p = s.Item(t, j);
            if (p >= s.Count) return;
            int problems = settings.Problems, n = settings.Dimension, row = p * n;
            state[Evaluations * problems + p] = 1;
            state[Accepted * problems + p] = 1;
            double pg = 0;
            for (int k = 0; k < n; k++)
                pg = MaxPropagatingNaN(pg, ProjectedGradientAt(x[row + k], g[row + k], lower[row + k], upper[row + k]));
            real[Value * problems + p] = value[p];
            real[Step * problems + p] = 0;
            real[Slope * problems + p] = 0;
            real[ProjectedGradientNorm * problems + p] = pg;
            // NaN tested explicitly: see AcceptOrBacktrack on OpenCL's comparisons.
            if (!XMath.IsNaN(pg) && pg <= settings.ProjectedGradientTolerance) Stop(state, problems, p, StatusConverged);
        }
    }

    /// <summary>
    /// Writes each running problem's next trial point xTrial = P(x + α·d) and its slope
    /// gᵀ(xTrial − x). A problem whose last trial was rejected halves α along the same d; one due a
    /// new direction computes d = −H·g by the two-loop recursion over its free variables (those not
    /// held at a bound by a gradient pushing outward), with α = 1, or d = −g on the free variables
    /// with α = 1/‖g‖₂ when no history pair is usable or −H·g is not a descent direction. Items: P.
    /// </summary>
    public static void PrepareTrial(Index1D t, WorkSplit s, LbfgsSettings settings,
        ArrayView<int> state, ArrayView<double> real, ArrayView<double> pairs,
        ArrayView<float> x, ArrayView<float> g, ArrayView<float> lower, ArrayView<float> upper,
        ArrayView<float> freeMask, ArrayView<float> direction, ArrayView<float> xTrial,
        ArrayView<float> sHistory, ArrayView<float> yHistory)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int p = s.Item(t, j);
            if (p >= s.Count) return;
            int problems = settings.Problems;
            if (state[Running * problems + p] == 0) continue;
            if (state[Trials * problems + p] == TrialsStartPending)
            {
                CopyStartPoint(settings, p, x, xTrial);
                real[Step * problems + p] = 0;
                real[Slope * problems + p] = 0;
                continue;
            }
            if (state[Trials * problems + p] > 0)
            {
                double half = 0.5 * real[Step * problems + p];
                real[Step * problems + p] = half;
                real[Slope * problems + p] = WriteTrialPoint(settings, p, x, g, lower, upper, freeMask, direction, xTrial, half, false);
                continue;
            }
            NewDirection(settings, p, state, real, pairs, x, g, lower, upper, freeMask, direction, xTrial, sHistory, yHistory);
        }
    }

    /// <summary>
    /// Judges each running problem's trial (f in value, ∇f in gTrial). Accepted when
    /// f(x(α)) ≤ f(x) + c₁·slope, or, when f(x(α)) is within the rounding noise of f(x) so that f
    /// cannot tell, when the trapezoid estimate ½(gᵀ + gTrialᵀ)(x(α) − x) of the change passes the
    /// same test. An accepted trial becomes the iterate, its (s, y) enters the history if
    /// sᵀy &gt; ε·yᵀy, and the stopping tests run in SciPy's order: projected gradient, relative
    /// reduction, iterations. A rejected trial is halved next round; after the last trial the history
    /// is dropped and the line search restarts along −g, or, if it already ran along −g, the problem
    /// stops with a failed line search. Items: P.
    /// </summary>
    public static void AcceptOrBacktrack(Index1D t, WorkSplit s, LbfgsSettings settings,
        ArrayView<int> state, ArrayView<double> real, ArrayView<float> value,
        ArrayView<float> x, ArrayView<float> g, ArrayView<float> xTrial, ArrayView<float> gTrial,
        ArrayView<float> lower, ArrayView<float> upper, ArrayView<float> sHistory, ArrayView<float> yHistory)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int p = s.Item(t, j);
            if (p >= s.Count) return;
            int problems = settings.Problems, n = settings.Dimension, row = p * n;
            if (state[Running * problems + p] == 0) continue;
            state[Evaluations * problems + p] += 1;
            state[Accepted * problems + p] = 0;
            if (state[Trials * problems + p] == TrialsStartPending)
            {
                RecordStartPoint(settings, p, state, real, value, x, g, gTrial, lower, upper);
                continue;
            }

            double f0 = real[Value * problems + p], f1 = value[p], slope = real[Slope * problems + p];
            // A trial where f is not a number is rejected. Every operand of these comparisons is
            // tested for NaN explicitly: ILGPU 1.5.3's OpenCL backend emits the unordered comparisons
            // C# compiles `<=` and negated branches to as ordered ones, so there `NaN <= x` held.
            // A trial with f unchanged has no visible decrease, however small the slope: the noise
            // test judges it.
            double sufficientBound = f0 + settings.SufficientDecrease * slope, noiseBound = f0 + settings.ValueNoiseTolerance * XMath.Abs(f0);
            bool comparable = !XMath.IsNaN(f1) && !XMath.IsNaN(slope) && !XMath.IsNaN(sufficientBound) && !XMath.IsNaN(noiseBound);
            bool sufficient = comparable && slope < 0 && f1 < f0 && f1 <= sufficientBound;
            bool withinNoise = comparable && slope < 0 && f1 <= noiseBound;
            if (sufficient || withinNoise)
            {
                // (s, y) go to the spare ring slot whether or not the trial is accepted.
                int head = state[HistoryHead * problems + p];
                int slot = HistoryBase(settings, p, head), e = ElementStride(settings);
                double sy = 0, yy = 0, trialSlope = 0;
                for (int k = 0; k < n; k++)
                {
                    float sk = xTrial[row + k] - x[row + k], yk = gTrial[row + k] - g[row + k];
                    sHistory[slot + k * e] = sk;
                    yHistory[slot + k * e] = yk;
                    sy += (double)sk * yk;
                    yy += (double)yk * yk;
                    trialSlope += (double)gTrial[row + k] * sk;
                }
                double estimate = 0.5 * (slope + trialSlope);
                if (sufficient || (!XMath.IsNaN(estimate) && estimate <= settings.SufficientDecrease * slope))
                {
                    bool curved = yy > 0 && sy > settings.CurvatureTolerance * yy;
                    // Within the noise f0 − f1 is rounding; the gradients' estimate is the better measure.
                    Accept(settings, p, state, real, x, g, xTrial, gTrial, lower, upper, f0, f1, sufficient ? f0 - f1 : -estimate, curved);
                    continue;
                }
            }

            int trials = state[Trials * problems + p] + 1;
            if (trials < settings.MaxLineSearchSteps)
            {
                state[Trials * problems + p] = trials;
                continue;
            }
            state[Trials * problems + p] = 0;
            if (state[HistoryCount * problems + p] > 0)
                state[HistoryCount * problems + p] = 0;
            else
                Stop(state, problems, p, StatusLineSearchFailed);
        }
    }

    /// <summary>
    /// Makes problem p's trial its iterate: x, g and f from the trial, the (s, y) just written kept
    /// when <paramref name="curved"/>, then the stopping tests in SciPy's order: projected gradient,
    /// relative reduction (of <paramref name="decrease"/>), iterations.
    /// </summary>
    private static void Accept(LbfgsSettings settings, int p, ArrayView<int> state, ArrayView<double> real,
        ArrayView<float> x, ArrayView<float> g, ArrayView<float> xTrial, ArrayView<float> gTrial,
        ArrayView<float> lower, ArrayView<float> upper, double f0, double f1, double decrease, bool curved)
    {
        int problems = settings.Problems, n = settings.Dimension, row = p * n;
        double pg = 0;
        for (int k = 0; k < n; k++)
        {
            float xk = xTrial[row + k], gk = gTrial[row + k];
            x[row + k] = xk;
            g[row + k] = gk;
            pg = MaxPropagatingNaN(pg, ProjectedGradientAt(xk, gk, lower[row + k], upper[row + k]));
        }
        if (curved)
        {
            int head = state[HistoryHead * problems + p];
            state[HistoryHead * problems + p] = head == settings.Memory ? 0 : head + 1;
            state[HistoryCount * problems + p] = Math.Min(state[HistoryCount * problems + p] + 1, settings.Memory);
        }
        int iterations = state[Iterations * problems + p] + 1;
        state[Iterations * problems + p] = iterations;
        state[Trials * problems + p] = 0;
        state[Accepted * problems + p] = 1;
        real[Value * problems + p] = f1;
        real[ProjectedGradientNorm * problems + p] = pg;

        double scale = XMath.Max(XMath.Max(XMath.Abs(f0), XMath.Abs(f1)), 1.0);
        // NaN tested explicitly (see AcceptOrBacktrack): a NaN gradient or decrease stops nothing here.
        if (!XMath.IsNaN(pg) && pg <= settings.ProjectedGradientTolerance) Stop(state, problems, p, StatusConverged);
        else if (!XMath.IsNaN(decrease) && decrease <= settings.RelativeReductionTolerance * scale) Stop(state, problems, p, StatusRelativeReduction);
        else if (iterations >= settings.MaxIterations) Stop(state, problems, p, StatusMaxIterations);
    }

    /// <summary>
    /// The two-loop recursion of problem p restricted to its free variables F, then its first trial.
    /// Every pair enters as (s, P_F·y) with ρ = 1/(sᵀP_F·y), so the implied inverse Hessian is
    /// positive definite on F whenever each used pair has positive restricted curvature; a pair
    /// without it is skipped for this direction. Passes over n are fused: each applies the previous
    /// pair's update while accumulating the next pair's dot products.
    /// </summary>
    private static void NewDirection(LbfgsSettings settings, int p,
        ArrayView<int> state, ArrayView<double> real, ArrayView<double> pairs,
        ArrayView<float> x, ArrayView<float> g, ArrayView<float> lower, ArrayView<float> upper,
        ArrayView<float> freeMask, ArrayView<float> direction, ArrayView<float> xTrial,
        ArrayView<float> sHistory, ArrayView<float> yHistory)
    {
        int problems = settings.Problems;
        double steepestStep = FreeGradient(settings, p, x, g, lower, upper, freeMask, direction);
        int count = state[HistoryCount * problems + p], head = state[HistoryHead * problems + p];
        var first = FirstLoop(settings, p, count, head, pairs, freeMask, direction, sHistory, yHistory);

        double step, slope;
        if (first.Used == 0)
        {
            step = steepestStep;
            slope = WriteTrialPoint(settings, p, x, g, lower, upper, freeMask, direction, xTrial, step, true);
        }
        else
        {
            var last = SecondLoop(settings, p, count, head, first, pairs, freeMask, direction, sHistory, yHistory);
            var (gd, trialSlope) = FinishDirection(settings, p, last.Coefficient, last.Slot, x, g, lower, upper, freeMask, direction, xTrial, sHistory);
            if (gd < 0 && !XMath.IsNaN(gd))   // NaN tested explicitly: see AcceptOrBacktrack
            {
                step = 1.0;
                slope = trialSlope;
            }
            else
            {
                // Not a descent direction (rounding or NaN): the history misleads, drop it.
                state[HistoryCount * problems + p] = 0;
                step = steepestStep;
                slope = WriteTrialPoint(settings, p, x, g, lower, upper, freeMask, direction, xTrial, step, true);
            }
        }
        real[Step * problems + p] = step;
        real[Slope * problems + p] = slope;
    }

    /// <summary>
    /// q = P_F·g into direction, F recorded as a 0/1 mask (a variable is held when its bounds are
    /// equal or the gradient pushes it out of the box); returns the steepest-descent step 1/‖q‖₂.
    /// </summary>
    private static double FreeGradient(LbfgsSettings settings, int p,
        ArrayView<float> x, ArrayView<float> g, ArrayView<float> lower, ArrayView<float> upper,
        ArrayView<float> freeMask, ArrayView<float> direction)
    {
        int n = settings.Dimension, row = p * n, w = WorkBase(settings, p), e = ElementStride(settings);
        double qq = 0;
        for (int k = 0; k < n; k++)
        {
            float xk = x[row + k], gk = g[row + k], lo = lower[row + k], hi = upper[row + k];
            bool held = lo >= hi || (xk <= lo && gk > 0f) || (xk >= hi && gk < 0f);
            float free = held ? 0f : 1f;
            float q = free * gk;
            freeMask[w + k * e] = free;
            direction[w + k * e] = q;
            qq += (double)q * q;
        }
        return qq > 0 ? 1.0 / XMath.Sqrt(qq) : 1.0;
    }

    /// <summary>
    /// The first loop's running state, and what it leaves: pairs used, γ of H₀ = γI, and the last
    /// pair's α and slot, its update not yet applied (the grouped steps share it, <see cref="LbfgsByGroup"/>).
    /// </summary>
    internal readonly struct FirstLoopEnd(int used, double gamma, double pendingAlpha, int pendingSlot)
    {
        public readonly int Used = used;
        public readonly double Gamma = gamma;
        public readonly double PendingAlpha = pendingAlpha;
        public readonly int PendingSlot = pendingSlot;

        /// <summary>
        /// After pair j at <paramref name="slot"/> with sums sᵀq, sᵀy, yᵀy: its α = ρ·sᵀq and ρ = 1/sᵀy
        /// stored in pairs, both 0 where its curvature sᵀy is not above the tolerance times yᵀy; γ from
        /// the newest usable pair.
        /// </summary>
        public FirstLoopEnd After(LbfgsSettings settings, int p, int j, int slot, double sq, double sy, double yy, ArrayView<double> pairs)
        {
            double alpha = 0, rho = 0, gamma = Gamma;
            int used = Used;
            if (yy > 0 && sy > settings.CurvatureTolerance * yy)
            {
                rho = 1.0 / sy;
                alpha = rho * sq;
                if (used == 0) gamma = sy / yy;
                used++;
            }
            pairs[j * settings.Problems + p] = alpha;
            pairs[(settings.Memory + j) * settings.Problems + p] = rho;
            return new FirstLoopEnd(used, gamma, alpha, slot);
        }
    }

    /// <summary>
    /// First loop, newest pair (j = 0) to oldest: αⱼ = ρⱼ·sⱼᵀq, q −= αⱼ·P_F·yⱼ, each pass applying
    /// the previous pair's update; α and ρ of pair j go to pairs. The oldest pair's update is left pending.
    /// </summary>
    private static FirstLoopEnd FirstLoop(LbfgsSettings settings, int p, int count, int head, ArrayView<double> pairs,
        ArrayView<float> freeMask, ArrayView<float> direction, ArrayView<float> sHistory, ArrayView<float> yHistory)
    {
        int n = settings.Dimension, w = WorkBase(settings, p), e = ElementStride(settings);
        var end = new FirstLoopEnd(0, 0, 0, NewestBase(settings, p, head, 0));
        for (int j = 0; j < count; j++)
        {
            int slot = NewestBase(settings, p, head, j), pendingSlot = end.PendingSlot;
            double sq = 0, sy = 0, yy = 0;
            for (int k = 0; k < n; k++)
            {
                float free = freeMask[w + k * e];
                float q = (float)(direction[w + k * e] - end.PendingAlpha * (free * yHistory[pendingSlot + k * e]));
                direction[w + k * e] = q;
                float sk = sHistory[slot + k * e], yk = free * yHistory[slot + k * e];
                sq += (double)sk * q;
                sy += (double)sk * yk;
                yy += (double)yk * yk;
            }
            end = end.After(settings, p, j, slot, sq, sy, yy, pairs);
        }
        return end;
    }

    /// <summary>
    /// r = γ·(q − α·P_F·y) of the oldest pair, then the second loop, oldest to newest:
    /// βⱼ = ρⱼ·yⱼᵀr, r += (αⱼ − βⱼ)·P_F·sⱼ, each pass applying the previous pair's update. Returns
    /// the newest pair's coefficient αⱼ − βⱼ and slot, not yet applied.
    /// </summary>
    private static (double Coefficient, int Slot) SecondLoop(LbfgsSettings settings, int p, int count, int head, FirstLoopEnd first,
        ArrayView<double> pairs, ArrayView<float> freeMask, ArrayView<float> direction, ArrayView<float> sHistory, ArrayView<float> yHistory)
    {
        int n = settings.Dimension, w = WorkBase(settings, p), e = ElementStride(settings);
        int oldest = count - 1, pendingSlot = first.PendingSlot;
        double dot = 0;
        for (int k = 0; k < n; k++)
        {
            float free = freeMask[w + k * e];
            float r = (float)(first.Gamma * (direction[w + k * e] - first.PendingAlpha * (free * yHistory[pendingSlot + k * e])));
            direction[w + k * e] = r;
            dot += (double)yHistory[pendingSlot + k * e] * r;
        }
        double coefficient = Coefficient(settings, p, oldest, dot, pairs);
        int previousSlot = pendingSlot;
        for (int j = oldest - 1; j >= 0; j--)
        {
            int slot = NewestBase(settings, p, head, j);
            dot = 0;
            for (int k = 0; k < n; k++)
            {
                float r = (float)(direction[w + k * e] + coefficient * (freeMask[w + k * e] * sHistory[previousSlot + k * e]));
                direction[w + k * e] = r;
                dot += (double)yHistory[slot + k * e] * r;
            }
            coefficient = Coefficient(settings, p, j, dot, pairs);
            previousSlot = slot;
        }
        return (coefficient, previousSlot);
    }

    /// <summary>Pair j's second-loop coefficient αⱼ − βⱼ, βⱼ = ρⱼ·yⱼᵀr, from <paramref name="dot"/> = yⱼᵀr.</summary>
    internal static double Coefficient(LbfgsSettings settings, int p, int j, double dot, ArrayView<double> pairs) =>
        pairs[j * settings.Problems + p] - pairs[(settings.Memory + j) * settings.Problems + p] * dot;

    /// <summary>The last update, d = −r, with its slope gᵀd and the trial at α = 1 in the same pass; returns (gᵀd, gᵀ(xTrial − x)).</summary>
    private static (double Gd, double TrialSlope) FinishDirection(LbfgsSettings settings, int p, double coefficient, int slot,
        ArrayView<float> x, ArrayView<float> g, ArrayView<float> lower, ArrayView<float> upper,
        ArrayView<float> freeMask, ArrayView<float> direction, ArrayView<float> xTrial, ArrayView<float> sHistory)
    {
        int n = settings.Dimension, row = p * n, w = WorkBase(settings, p), e = ElementStride(settings);
        double gd = 0, trialSlope = 0;
        for (int k = 0; k < n; k++)
        {
            float d = -(float)(direction[w + k * e] + coefficient * (freeMask[w + k * e] * sHistory[slot + k * e]));
            direction[w + k * e] = d;
            float xk = x[row + k], gk = g[row + k];
            float xt = Clamp((float)(xk + (double)d), lower[row + k], upper[row + k]);
            xTrial[row + k] = xt;
            gd += (double)gk * d;
            trialSlope += (double)gk * ((double)xt - xk);
        }
        return (gd, trialSlope);
    }

    /// <summary>xTrial = x for one problem's row: a restarted problem's start point is its first trial.</summary>
    private static void CopyStartPoint(LbfgsSettings settings, int p, ArrayView<float> x, ArrayView<float> xTrial)
    {
        int n = settings.Dimension, row = p * n;
        for (int k = 0; k < n; k++) xTrial[row + k] = x[row + k];
    }

    /// <summary>
    /// A restarted problem's start point, evaluated as its trial: as <see cref="FirstPoint"/>, f and
    /// g recorded (from value and gTrial) and the problem stopped if already converged there.
    /// </summary>
    private static void RecordStartPoint(LbfgsSettings settings, int p, ArrayView<int> state, ArrayView<double> real, ArrayView<float> value,
        ArrayView<float> x, ArrayView<float> g, ArrayView<float> gTrial, ArrayView<float> lower, ArrayView<float> upper)
    {
        int problems = settings.Problems, n = settings.Dimension, row = p * n;
        double pg = 0;
        for (int k = 0; k < n; k++)
        {
            float gk = gTrial[row + k];
            g[row + k] = gk;
            pg = MaxPropagatingNaN(pg, ProjectedGradientAt(x[row + k], gk, lower[row + k], upper[row + k]));
        }
        state[Trials * problems + p] = 0;
        state[Accepted * problems + p] = 1;
        real[Value * problems + p] = value[p];
        real[Step * problems + p] = 0;
        real[Slope * problems + p] = 0;
        real[ProjectedGradientNorm * problems + p] = pg;
        if (!XMath.IsNaN(pg) && pg <= settings.ProjectedGradientTolerance) Stop(state, problems, p, StatusConverged);
    }

    /// <summary>
    /// xTrial = P(x + step·d) for one problem's row; returns gᵀ(xTrial − x). With
    /// <paramref name="steepest"/> d is first set to −P_F·g.
    /// </summary>
    private static double WriteTrialPoint(LbfgsSettings settings, int p,
        ArrayView<float> x, ArrayView<float> g, ArrayView<float> lower, ArrayView<float> upper,
        ArrayView<float> freeMask, ArrayView<float> direction, ArrayView<float> xTrial,
        double step, bool steepest)
    {
        int n = settings.Dimension, row = p * n, w = WorkBase(settings, p), e = ElementStride(settings);
        double slope = 0;
        for (int k = 0; k < n; k++)
        {
            float gk = g[row + k];
            float d;
            if (steepest)
            {
                d = -freeMask[w + k * e] * gk;
                direction[w + k * e] = d;
            }
            else d = direction[w + k * e];
            float xk = x[row + k];
            float xt = Clamp((float)(xk + step * d), lower[row + k], upper[row + k]);
            xTrial[row + k] = xt;
            slope += (double)gk * ((double)xt - xk);
        }
        return slope;
    }

    /// <summary>Offset of element 0 of ring slot <paramref name="slot"/> of problem p; element k is k·<see cref="ElementStride"/> further.</summary>
    internal static int HistoryBase(LbfgsSettings settings, int p, int slot) =>
        settings.ElementMajor != 0 ? slot * settings.Dimension * settings.Problems + p : (p * (settings.Memory + 1) + slot) * settings.Dimension;

    /// <summary>Offset of element 0 of the j-th newest kept pair of problem p.</summary>
    internal static int NewestBase(LbfgsSettings settings, int p, int head, int j) =>
        HistoryBase(settings, p, (head - 1 - j + settings.Memory + 1) % (settings.Memory + 1));

    /// <summary>Offset of element 0 of problem p in freeMask and direction.</summary>
    internal static int WorkBase(LbfgsSettings settings, int p) => settings.ElementMajor != 0 ? p : p * settings.Dimension;

    /// <summary>Distance between neighbouring elements of one problem in the solver's own buffers.</summary>
    internal static int ElementStride(LbfgsSettings settings) => settings.ElementMajor != 0 ? settings.Problems : 1;

    /// <summary>|P(x − g) − x| for one variable: SciPy's projected gradient.</summary>
    internal static double ProjectedGradientAt(float x, float g, float lo, float hi) =>
        XMath.Abs((double)Clamp(x - g, lo, hi) - x);

    internal static double MaxPropagatingNaN(double a, double b) => a >= b || XMath.IsNaN(a) ? a : b;

    internal static float Clamp(float v, float lo, float hi) => v < lo ? lo : v > hi ? hi : v;

    internal static void Stop(ArrayView<int> state, int problems, int p, int status)
    {
        state[Status * problems + p] = status;
        state[Running * problems + p] = 0;
        Atomic.Add(ref state[IntFields * problems], 1);
    }
}
