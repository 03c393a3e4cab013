using ILGPU;
using ILGPU.Algorithms;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// <see cref="Lbfgs.PrepareTrial"/> and <see cref="Lbfgs.AcceptOrBacktrack"/> with a thread group per
/// problem, for GPUs: the same algorithm, state and buffers, but lane j of problem p's group
/// handles elements j, j + G, j + 2G, … of its rows, so neighbouring lanes touch neighbouring
/// addresses of the problem-major [P, n] rows and histories (<see cref="LbfgsSettings.ElementMajor"/>
/// = 0), and every dot product and norm is a <see cref="GroupReduction"/> tree.
/// </summary>
/// <remarks>
/// <para>Launch: explicitly grouped, one group per problem (grid P), G a power of two at most
/// <see cref="GroupReduction.MaxLanes"/>. Results equal the one-thread kernels' up to the order of
/// the float64 sums.</para>
/// <para>Every lane reads the problem's state before the first barrier and takes every decision
/// from those values and from reductions, so control flow is uniform over the group (barriers
/// need that); only lane 0 writes the per-problem state. α and ρ of the two-loop recursion are
/// written by every lane (the same value) and each lane reads back its own write, so no lane
/// depends on another's global write.</para>
/// </remarks>
public static class LbfgsByGroup
{
    /// <summary>As <see cref="Lbfgs.PrepareTrial"/>, problem p = the group's index.</summary>
    public static void PrepareTrial(ArrayView<int> state, LbfgsSettings settings, ArrayView<double> real, ArrayView<double> pairs,
        ArrayView<float> x, ArrayView<float> g, ArrayView<float> lower, ArrayView<float> upper,
        ArrayView<float> freeMask, ArrayView<float> direction, ArrayView<float> xTrial,
        ArrayView<float> sHistory, ArrayView<float> yHistory)
    {
        var scratch = SharedMemory.Allocate<double>(3 * GroupReduction.MaxLanes);
        int p = Grid.IdxX, problems = settings.Problems;
        if (p >= problems || state[Lbfgs.Running * problems + p] == 0) return;
        int trials = state[Lbfgs.Trials * problems + p];
        double step = real[Lbfgs.Step * problems + p];
        int count = state[Lbfgs.HistoryCount * problems + p], head = state[Lbfgs.HistoryHead * problems + p];
        // Lane 0 rewrites Step below: every lane must have read it first.
        Group.Barrier();
        bool leader = Group.IdxX == 0;
        if (trials == Lbfgs.TrialsStartPending)
        {
            int row = p * settings.Dimension;
            for (int k = Group.IdxX; k < settings.Dimension; k += Group.DimX) xTrial[row + k] = x[row + k];
            if (leader) WriteStep(real, problems, p, 0, 0);
            return;
        }
        if (trials > 0)
        {
            double half = 0.5 * step;
            double slope = WriteTrialPoint(scratch, settings, p, x, g, lower, upper, freeMask, direction, xTrial, half, false);
            if (leader) WriteStep(real, problems, p, half, slope);
            return;
        }
        NewDirection(scratch, settings, p, count, head, state, real, pairs, x, g, lower, upper, freeMask, direction, xTrial, sHistory, yHistory);
    }

    /// <summary>As <see cref="Lbfgs.AcceptOrBacktrack"/>, problem p = the group's index.</summary>
    public static void AcceptOrBacktrack(ArrayView<int> state, LbfgsSettings settings, ArrayView<double> real, ArrayView<float> value,
        ArrayView<float> x, ArrayView<float> g, ArrayView<float> xTrial, ArrayView<float> gTrial,
        ArrayView<float> lower, ArrayView<float> upper, ArrayView<float> sHistory, ArrayView<float> yHistory)
    {
        var scratch = SharedMemory.Allocate<double>(3 * GroupReduction.MaxLanes);
        int p = Grid.IdxX, problems = settings.Problems, n = settings.Dimension, row = p * n;
        if (p >= problems || state[Lbfgs.Running * problems + p] == 0) return;
        int trials = state[Lbfgs.Trials * problems + p], head = state[Lbfgs.HistoryHead * problems + p];
        var header = new ProblemHeader(trials, state[Lbfgs.HistoryCount * problems + p], head, state[Lbfgs.Iterations * problems + p]);
        double f0 = real[Lbfgs.Value * problems + p], f1 = value[p], slope = real[Lbfgs.Slope * problems + p];
        Group.Barrier();
        bool leader = Group.IdxX == 0;
        if (leader)
        {
            state[Lbfgs.Evaluations * problems + p] += 1;
            state[Lbfgs.Accepted * problems + p] = 0;
        }
        if (trials == Lbfgs.TrialsStartPending)
        {
            RecordStartPoint(scratch, settings, p, state, real, f1, x, g, gTrial, lower, upper);
            return;
        }
        // The tests of Lbfgs.AcceptOrBacktrack, NaN handling included (see there).
        double sufficientBound = f0 + settings.SufficientDecrease * slope, noiseBound = f0 + settings.ValueNoiseTolerance * XMath.Abs(f0);
        bool comparable = !XMath.IsNaN(f1) && !XMath.IsNaN(slope) && !XMath.IsNaN(sufficientBound) && !XMath.IsNaN(noiseBound);
        bool sufficient = comparable && slope < 0 && f1 < f0 && f1 <= sufficientBound;
        bool withinNoise = comparable && slope < 0 && f1 <= noiseBound;
        if (sufficient || withinNoise)
        {
            int slot = Lbfgs.HistoryBase(settings, p, head);
            double sy = 0, yy = 0, trialSlope = 0;
            for (int k = Group.IdxX; k < n; k += Group.DimX)
            {
                float sk = xTrial[row + k] - x[row + k], yk = gTrial[row + k] - g[row + k];
                sHistory[slot + k] = sk;
                yHistory[slot + k] = yk;
                sy += (double)sk * yk;
                yy += (double)yk * yk;
                trialSlope += (double)gTrial[row + k] * sk;
            }
            var sums = GroupReduction.Sum3(scratch, sy, yy, trialSlope);
            double estimate = 0.5 * (slope + sums.C);
            if (sufficient || (!XMath.IsNaN(estimate) && estimate <= settings.SufficientDecrease * slope))
            {
                bool curved = sums.B > 0 && sums.A > settings.CurvatureTolerance * sums.B;
                Accept(scratch, settings, p, header, state, real, x, g, xTrial, gTrial, lower, upper, f0, f1, sufficient ? f0 - f1 : -estimate, curved);
                return;
            }
        }
        if (leader) Backtrack(settings, p, header, state);
    }

    /// <summary>The per-problem state every lane reads before the first barrier.</summary>
    private readonly struct ProblemHeader(int trials, int historyCount, int historyHead, int iterations)
    {
        public readonly int Trials = trials;
        public readonly int HistoryCount = historyCount;
        public readonly int HistoryHead = historyHead;
        public readonly int Iterations = iterations;
    }

    /// <summary>A rejected trial: halve next round, or after the last trial drop the history, or stop. Lane 0 only.</summary>
    private static void Backtrack(LbfgsSettings settings, int p, ProblemHeader h, ArrayView<int> state)
    {
        int problems = settings.Problems, trials = h.Trials + 1;
        if (trials < settings.MaxLineSearchSteps)
        {
            state[Lbfgs.Trials * problems + p] = trials;
            return;
        }
        state[Lbfgs.Trials * problems + p] = 0;
        if (h.HistoryCount > 0) state[Lbfgs.HistoryCount * problems + p] = 0;
        else StopProblem(state, problems, p, Lbfgs.StatusLineSearchFailed);
    }

    /// <summary>As Lbfgs.Accept: the trial becomes the iterate, then the stopping tests in SciPy's order.</summary>
    private static void Accept(ArrayView<double> scratch, LbfgsSettings settings, int p, ProblemHeader h,
        ArrayView<int> state, ArrayView<double> real,
        ArrayView<float> x, ArrayView<float> g, ArrayView<float> xTrial, ArrayView<float> gTrial,
        ArrayView<float> lower, ArrayView<float> upper, double f0, double f1, double decrease, bool curved)
    {
        int problems = settings.Problems, n = settings.Dimension, row = p * n;
        double pg = 0;
        for (int k = Group.IdxX; k < n; k += Group.DimX)
        {
            float xk = xTrial[row + k], gk = gTrial[row + k];
            x[row + k] = xk;
            g[row + k] = gk;
            pg = Lbfgs.MaxPropagatingNaN(pg, Lbfgs.ProjectedGradientAt(xk, gk, lower[row + k], upper[row + k]));
        }
        pg = GroupReduction.MaxPropagatingNaN(scratch, pg);
        if (Group.IdxX != 0) return;
        if (curved)
        {
            state[Lbfgs.HistoryHead * problems + p] = h.HistoryHead == settings.Memory ? 0 : h.HistoryHead + 1;
            state[Lbfgs.HistoryCount * problems + p] = Math.Min(h.HistoryCount + 1, settings.Memory);
        }
        int iterations = h.Iterations + 1;
        state[Lbfgs.Iterations * problems + p] = iterations;
        state[Lbfgs.Trials * problems + p] = 0;
        state[Lbfgs.Accepted * problems + p] = 1;
        real[Lbfgs.Value * problems + p] = f1;
        real[Lbfgs.ProjectedGradientNorm * problems + p] = pg;
        double scale = XMath.Max(XMath.Max(XMath.Abs(f0), XMath.Abs(f1)), 1.0);
        if (!XMath.IsNaN(pg) && pg <= settings.ProjectedGradientTolerance) StopProblem(state, problems, p, Lbfgs.StatusConverged);
        else if (!XMath.IsNaN(decrease) && decrease <= settings.RelativeReductionTolerance * scale) StopProblem(state, problems, p, Lbfgs.StatusRelativeReduction);
        else if (iterations >= settings.MaxIterations) StopProblem(state, problems, p, Lbfgs.StatusMaxIterations);
    }

    /// <summary>As Lbfgs.RecordStartPoint: a restarted problem's start point, evaluated as its trial, recorded.</summary>
    private static void RecordStartPoint(ArrayView<double> scratch, LbfgsSettings settings, int p, ArrayView<int> state, ArrayView<double> real,
        double f, ArrayView<float> x, ArrayView<float> g, ArrayView<float> gTrial, ArrayView<float> lower, ArrayView<float> upper)
    {
        int problems = settings.Problems, n = settings.Dimension, row = p * n;
        double pg = 0;
        for (int k = Group.IdxX; k < n; k += Group.DimX)
        {
            float gk = gTrial[row + k];
            g[row + k] = gk;
            pg = Lbfgs.MaxPropagatingNaN(pg, Lbfgs.ProjectedGradientAt(x[row + k], gk, lower[row + k], upper[row + k]));
        }
        pg = GroupReduction.MaxPropagatingNaN(scratch, pg);
        if (Group.IdxX != 0) return;
        state[Lbfgs.Trials * problems + p] = 0;
        state[Lbfgs.Accepted * problems + p] = 1;
        real[Lbfgs.Value * problems + p] = f;
        WriteStep(real, problems, p, 0, 0);
        real[Lbfgs.ProjectedGradientNorm * problems + p] = pg;
        if (!XMath.IsNaN(pg) && pg <= settings.ProjectedGradientTolerance) StopProblem(state, problems, p, Lbfgs.StatusConverged);
    }

    /// <summary>
    /// As Lbfgs.Stop, but the stopped counter grows only for the call that clears the running flag.
    /// On PoCL a plain atomic add in the lane-0 block after a group reduction grew the counter by
    /// the group size per stopped problem (measured), so the host saw the whole batch stopped as
    /// soon as one problem was and left the others running; the exchange counts each problem once
    /// however many lanes get here, and the status write is the same value in every lane.
    /// </summary>
    private static void StopProblem(ArrayView<int> state, int problems, int p, int status)
    {
        state[Lbfgs.Status * problems + p] = status;
        if (Atomic.Exchange(ref state[Lbfgs.Running * problems + p], 0) != 0) Atomic.Add(ref state[Lbfgs.IntFields * problems], 1);
    }

    private static void WriteStep(ArrayView<double> real, int problems, int p, double step, double slope)
    {
        real[Lbfgs.Step * problems + p] = step;
        real[Lbfgs.Slope * problems + p] = slope;
    }

    /// <summary>As Lbfgs.NewDirection: the two-loop recursion on the free variables, then the first trial.</summary>
    private static void NewDirection(ArrayView<double> scratch, LbfgsSettings settings, int p, int count, int head,
        ArrayView<int> state, ArrayView<double> real, ArrayView<double> pairs,
        ArrayView<float> x, ArrayView<float> g, ArrayView<float> lower, ArrayView<float> upper,
        ArrayView<float> freeMask, ArrayView<float> direction, ArrayView<float> xTrial,
        ArrayView<float> sHistory, ArrayView<float> yHistory)
    {
        double steepestStep = FreeGradient(scratch, settings, p, x, g, lower, upper, freeMask, direction);
        var first = FirstLoop(scratch, settings, p, count, head, pairs, freeMask, direction, sHistory, yHistory);
        double step = steepestStep, slope = 0;
        bool steepest = first.Used == 0;
        if (!steepest)
        {
            var last = SecondLoop(scratch, settings, p, count, head, first, pairs, freeMask, direction, sHistory, yHistory);
            var (gd, trialSlope) = FinishDirection(scratch, settings, p, last.Coefficient, last.Slot, x, g, lower, upper, freeMask, direction, xTrial, sHistory);
            steepest = !(gd < 0 && !XMath.IsNaN(gd));
            // Not a descent direction (rounding or NaN): the history misleads, drop it.
            if (steepest && Group.IdxX == 0) state[Lbfgs.HistoryCount * settings.Problems + p] = 0;
            if (!steepest) { step = 1.0; slope = trialSlope; }
        }
        if (steepest) slope = WriteTrialPoint(scratch, settings, p, x, g, lower, upper, freeMask, direction, xTrial, step, true);
        if (Group.IdxX == 0) WriteStep(real, settings.Problems, p, step, slope);
    }

    /// <summary>As Lbfgs.FreeGradient: q = P_F·g into direction, F as a 0/1 mask; returns 1/‖q‖₂.</summary>
    private static double FreeGradient(ArrayView<double> scratch, LbfgsSettings settings, int p,
        ArrayView<float> x, ArrayView<float> g, ArrayView<float> lower, ArrayView<float> upper,
        ArrayView<float> freeMask, ArrayView<float> direction)
    {
        int n = settings.Dimension, row = p * n, w = Lbfgs.WorkBase(settings, p);
        double qq = 0;
        for (int k = Group.IdxX; k < n; k += Group.DimX)
        {
            float xk = x[row + k], gk = g[row + k], lo = lower[row + k], hi = upper[row + k];
            bool held = lo >= hi || (xk <= lo && gk > 0f) || (xk >= hi && gk < 0f);
            float free = held ? 0f : 1f;
            float q = free * gk;
            freeMask[w + k] = free;
            direction[w + k] = q;
            qq += (double)q * q;
        }
        qq = GroupReduction.Sum(scratch, qq);
        return qq > 0 ? 1.0 / XMath.Sqrt(qq) : 1.0;
    }

    /// <summary>As Lbfgs.FirstLoop, newest pair to oldest, each pass applying the previous pair's update.</summary>
    private static Lbfgs.FirstLoopEnd FirstLoop(ArrayView<double> scratch, LbfgsSettings settings, int p, int count, int head, ArrayView<double> pairs,
        ArrayView<float> freeMask, ArrayView<float> direction, ArrayView<float> sHistory, ArrayView<float> yHistory)
    {
        int n = settings.Dimension, w = Lbfgs.WorkBase(settings, p);
        var end = new Lbfgs.FirstLoopEnd(0, 0, 0, Lbfgs.NewestBase(settings, p, head, 0));
        for (int j = 0; j < count; j++)
        {
            int slot = Lbfgs.NewestBase(settings, p, head, j), pendingSlot = end.PendingSlot;
            double sq = 0, sy = 0, yy = 0;
            for (int k = Group.IdxX; k < n; k += Group.DimX)
            {
                float free = freeMask[w + k];
                float q = (float)(direction[w + k] - end.PendingAlpha * (free * yHistory[pendingSlot + k]));
                direction[w + k] = q;
                float sk = sHistory[slot + k], yk = free * yHistory[slot + k];
                sq += (double)sk * q;
                sy += (double)sk * yk;
                yy += (double)yk * yk;
            }
            var sums = GroupReduction.Sum3(scratch, sq, sy, yy);
            end = end.After(settings, p, j, slot, sums.A, sums.B, sums.C, pairs);
        }
        return end;
    }

    /// <summary>As Lbfgs.SecondLoop: r = γ·(q − α·P_F·y) of the oldest pair, then oldest to newest; returns the newest pair's coefficient and slot.</summary>
    private static (double Coefficient, int Slot) SecondLoop(ArrayView<double> scratch, LbfgsSettings settings, int p, int count, int head, Lbfgs.FirstLoopEnd first,
        ArrayView<double> pairs, ArrayView<float> freeMask, ArrayView<float> direction, ArrayView<float> sHistory, ArrayView<float> yHistory)
    {
        int n = settings.Dimension, w = Lbfgs.WorkBase(settings, p);
        int oldest = count - 1, previousSlot = first.PendingSlot;
        double dot = 0;
        for (int k = Group.IdxX; k < n; k += Group.DimX)
        {
            float free = freeMask[w + k];
            float r = (float)(first.Gamma * (direction[w + k] - first.PendingAlpha * (free * yHistory[previousSlot + k])));
            direction[w + k] = r;
            dot += (double)yHistory[previousSlot + k] * r;
        }
        dot = GroupReduction.Sum(scratch, dot);
        double coefficient = Lbfgs.Coefficient(settings, p, oldest, dot, pairs);
        for (int j = oldest - 1; j >= 0; j--)
        {
            int slot = Lbfgs.NewestBase(settings, p, head, j);
            dot = 0;
            for (int k = Group.IdxX; k < n; k += Group.DimX)
            {
                float r = (float)(direction[w + k] + coefficient * (freeMask[w + k] * sHistory[previousSlot + k]));
                direction[w + k] = r;
                dot += (double)yHistory[slot + k] * r;
            }
            dot = GroupReduction.Sum(scratch, dot);
            coefficient = Lbfgs.Coefficient(settings, p, j, dot, pairs);
            previousSlot = slot;
        }
        return (coefficient, previousSlot);
    }

    /// <summary>As Lbfgs.FinishDirection: d = −r, its slope and the trial at α = 1; returns (gᵀd, gᵀ(xTrial − x)).</summary>
    private static (double Gd, double TrialSlope) FinishDirection(ArrayView<double> scratch, LbfgsSettings settings, int p, double coefficient, int slot,
        ArrayView<float> x, ArrayView<float> g, ArrayView<float> lower, ArrayView<float> upper,
        ArrayView<float> freeMask, ArrayView<float> direction, ArrayView<float> xTrial, ArrayView<float> sHistory)
    {
        int n = settings.Dimension, row = p * n, w = Lbfgs.WorkBase(settings, p);
        double gd = 0, trialSlope = 0;
        for (int k = Group.IdxX; k < n; k += Group.DimX)
        {
            float d = -(float)(direction[w + k] + coefficient * (freeMask[w + k] * sHistory[slot + k]));
            direction[w + k] = d;
            float xk = x[row + k], gk = g[row + k];
            float xt = Lbfgs.Clamp((float)(xk + (double)d), lower[row + k], upper[row + k]);
            xTrial[row + k] = xt;
            gd += (double)gk * d;
            trialSlope += (double)gk * ((double)xt - xk);
        }
        var sums = GroupReduction.Sum3(scratch, gd, trialSlope, 0);
        return (sums.A, sums.B);
    }

    /// <summary>As Lbfgs.WriteTrialPoint: xTrial = P(x + step·d), d first set to −P_F·g when steepest; returns gᵀ(xTrial − x).</summary>
    private static double WriteTrialPoint(ArrayView<double> scratch, LbfgsSettings settings, int p,
        ArrayView<float> x, ArrayView<float> g, ArrayView<float> lower, ArrayView<float> upper,
        ArrayView<float> freeMask, ArrayView<float> direction, ArrayView<float> xTrial, double step, bool steepest)
    {
        int n = settings.Dimension, row = p * n, w = Lbfgs.WorkBase(settings, p);
        double slope = 0;
        for (int k = Group.IdxX; k < n; k += Group.DimX)
        {
            float gk = g[row + k];
            float d;
            if (steepest)
            {
                d = -freeMask[w + k] * gk;
                direction[w + k] = d;
            }
            else d = direction[w + k];
            float xk = x[row + k];
            float xt = Lbfgs.Clamp((float)(xk + step * d), lower[row + k], upper[row + k]);
            xTrial[row + k] = xt;
            slope += (double)gk * ((double)xt - xk);
        }
        return GroupReduction.Sum(scratch, slope);
    }
}
