using ILGPU;
using ILGPU.Algorithms;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// The L-BFGS attack's search for each example's weight c, on the device and per problem: when a
/// problem's L-BFGS solve ends (<see cref="Lbfgs"/> state), <see cref="Advance"/> judges its
/// solution, keeps it if it is the smallest success so far, moves the problem's own bracket of c
/// (bracketing by a factor, then geometric bisection) and restarts the problem, warm, in the same
/// run; a problem whose search has ended stays stopped, costing nothing. One work item is one problem.
/// </summary>
/// <remarks>
/// <para>Buffers: searchInt (int) [<see cref="IntFields"/>, P] followed by one counter of problems
/// whose search has ended; searchReal (float64) [<see cref="RealFields"/>, P]; x, best, originals
/// [P, n]; weights [P], the float32 c the objective reads; labels, targets [P] (target −1: any
/// class but the label). The solver's int state is <see cref="Lbfgs"/>'s.</para>
/// <para>The search is that of one weight per round of the host's search it replaces: the same
/// bracket, the same next weight, the same stopping tests in the same order, so each problem's
/// sequence of solves is the same.</para>
/// </remarks>
public static class WeightSearchSteps
{
    // Fields of searchInt.
    /// <summary>Solves finished (rounds of the search).</summary>
    public const int Rounds = 0;
    /// <summary>0 while searching, then the AttackStopReason value of why the search ended.</summary>
    public const int Stop = 1;
    /// <summary>1 once a solution reached the goal.</summary>
    public const int Found = 2;
    /// <summary>The solver's stop status of the kept (smallest) success.</summary>
    public const int BestSolverStop = 3;
    /// <summary>The solver's stop status of the latest solve.</summary>
    public const int LatestSolverStop = 4;
    /// <summary>Accepted L-BFGS steps over all solves.</summary>
    public const int Iterations = 5;
    /// <summary>Objective evaluations over all solves.</summary>
    public const int Evaluations = 6;
    /// <summary>The model's class at the current iterate x.</summary>
    public const int Prediction = 7;
    /// <summary>The model's class at the latest trial point, written by <see cref="TrialPredictions"/>.</summary>
    public const int TrialPrediction = 8;
    /// <summary>Rows of searchInt per problem.</summary>
    public const int IntFields = 9;

    // Fields of searchReal.
    /// <summary>The largest c known to succeed; 0 when none has.</summary>
    public const int Succeeded = 0;
    /// <summary>The smallest c above Succeeded known to fail; +∞ when none has.</summary>
    public const int Failed = 1;
    /// <summary>The size of the kept success; +∞ when none.</summary>
    public const int BestSize = 2;
    /// <summary>The c of the kept success.</summary>
    public const int BestWeight = 3;
    /// <summary>The c of the solve in progress.</summary>
    public const int Weight = 4;
    /// <summary>Rows of searchReal per problem.</summary>
    public const int RealFields = 5;

    /// <summary>Values of <see cref="WeightSearchSettings.Distance"/>.</summary>
    public const int DistanceRms = 0, DistanceL2 = 1, DistanceLInf = 2;

    // AttackStopReason values the search ends with.
    private const int WeightConverged = 2, MinWeightReached = 3, MaxWeightReached = 4, MaxRounds = 5;

    /// <summary>
    /// Every problem's search at its start: no bracket, no success, c = the initial weight (also in
    /// weights), and its solver state set to evaluate the start point x in the next round. Problem 0
    /// zeroes both stopped counters. Items: P.
    /// </summary>
    public static void Begin(Index1D t, WorkSplit s, WeightSearchSettings settings,
        ArrayView<int> solverState, ArrayView<int> searchInt, ArrayView<double> searchReal, ArrayView<float> weights)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int p = s.Item(t, j);
            if (p >= s.Count) return;
            int problems = settings.Problems;
            for (int f = 0; f < IntFields; f++) searchInt[f * problems + p] = 0;
            searchReal[Succeeded * problems + p] = 0;
            searchReal[Failed * problems + p] = double.PositiveInfinity;
            searchReal[BestSize * problems + p] = double.PositiveInfinity;
            searchReal[BestWeight * problems + p] = 0;
            searchReal[Weight * problems + p] = settings.InitialWeight;
            weights[p] = (float)settings.InitialWeight;
            RestartSolver(solverState, problems, p);
            if (p == 0)
            {
                searchInt[IntFields * problems] = 0;
                solverState[Lbfgs.IntFields * problems] = 0;
            }
        }
    }

    /// <summary>
    /// After a round: each searching problem takes the trial's class as its iterate's when the
    /// solver accepted the trial; a problem whose solve has ended records the solution, moves its
    /// bracket and either ends its search (counted) or restarts with its next c. Items: P.
    /// </summary>
    public static void Advance(Index1D t, WorkSplit s, WeightSearchSettings settings,
        ArrayView<int> solverState, ArrayView<int> searchInt, ArrayView<double> searchReal,
        ArrayView<float> x, ArrayView<float> best, ArrayView<float> originals, ArrayView<float> weights,
        ArrayView<int> labels, ArrayView<int> targets)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int p = s.Item(t, j);
            if (p >= s.Count) return;
            int problems = settings.Problems;
            if (searchInt[Stop * problems + p] != 0) continue;
            if (solverState[Lbfgs.Accepted * problems + p] == 1)
                searchInt[Prediction * problems + p] = searchInt[TrialPrediction * problems + p];
            if (solverState[Lbfgs.Running * problems + p] != 0) continue;

            int prediction = searchInt[Prediction * problems + p], target = targets[p];
            bool reached = target < 0 ? prediction != labels[p] : prediction == target;
            RecordSolve(settings, p, reached, solverState, searchInt, searchReal, x, best, originals);
            MoveBracket(settings, p, reached, searchInt, searchReal);
            int stop = StopReason(settings, p, searchInt, searchReal);
            if (stop != 0)
            {
                searchInt[Stop * problems + p] = stop;
                Atomic.Add(ref searchInt[IntFields * problems], 1);
                continue;
            }
            double next = NextWeight(settings, searchReal[Succeeded * problems + p], searchReal[Failed * problems + p]);
            searchReal[Weight * problems + p] = next;
            weights[p] = (float)next;
            int row = p * settings.Dimension;
            if (settings.WarmStart == 0) CopyRow(originals, x, row, settings.Dimension);
            else if (searchInt[Found * problems + p] != 0) CopyRow(best, x, row, settings.Dimension);
            RestartSolver(solverState, problems, p);
        }
    }

    /// <summary>
    /// The model's class for each evaluated row into searchInt's TrialPrediction of its problem:
    /// row r holds problem rows[r], or r when rows is empty. Items: the evaluated rows.
    /// </summary>
    public static void TrialPredictions(Index1D t, WorkSplit s, ArrayView<float> logits, ArrayView<int> rows,
        ArrayView<int> searchInt, int classes, int problems)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int r = s.Item(t, j);
            if (r >= s.Count) return;
            RowMaximum.Find(logits, r * classes, classes, out int best);
            int p = rows.Length > 0 ? rows[r] : r;
            searchInt[TrialPrediction * problems + p] = best;
        }
    }

    /// <summary>
    /// The solve's work added to the totals and its stop status kept; a solution that reached the
    /// goal and is smaller than the kept one replaces it (in best, with its c and stop status).
    /// </summary>
    private static void RecordSolve(WeightSearchSettings settings, int p, bool reached, ArrayView<int> solverState,
        ArrayView<int> searchInt, ArrayView<double> searchReal, ArrayView<float> x, ArrayView<float> best, ArrayView<float> originals)
    {
        int problems = settings.Problems, n = settings.Dimension, row = p * n;
        int status = solverState[Lbfgs.Status * problems + p];
        searchInt[Iterations * problems + p] += solverState[Lbfgs.Iterations * problems + p];
        searchInt[Evaluations * problems + p] += solverState[Lbfgs.Evaluations * problems + p];
        searchInt[LatestSolverStop * problems + p] = status;
        searchInt[Rounds * problems + p] += 1;
        if (!reached) return;
        double size = Size(settings, x, originals, row);
        if (!(size < searchReal[BestSize * problems + p])) return;
        searchReal[BestSize * problems + p] = size;
        searchReal[BestWeight * problems + p] = searchReal[Weight * problems + p];
        searchInt[Found * problems + p] = 1;
        searchInt[BestSolverStop * problems + p] = status;
        CopyRow(x, best, row, n);
    }

    /// <summary>
    /// The bracket after a solve at c: a success above the largest raises it (dropping a failure
    /// at or below it: success need not be monotone in c); a failure inside the bracket lowers its top.
    /// </summary>
    private static void MoveBracket(WeightSearchSettings settings, int p, bool reached, ArrayView<int> searchInt, ArrayView<double> searchReal)
    {
        int problems = settings.Problems;
        double w = searchReal[Weight * problems + p];
        double succeeded = searchReal[Succeeded * problems + p], failed = searchReal[Failed * problems + p];
        if (reached && w > succeeded) succeeded = w;
        if (failed <= succeeded) failed = double.PositiveInfinity;
        if (!reached && w > succeeded && w < failed) failed = w;
        searchReal[Succeeded * problems + p] = succeeded;
        searchReal[Failed * problems + p] = failed;
    }

    /// <summary>Why the search ends, in the host search's order of tests, or 0 while it goes on.</summary>
    private static int StopReason(WeightSearchSettings settings, int p, ArrayView<int> searchInt, ArrayView<double> searchReal)
    {
        int problems = settings.Problems;
        double succeeded = searchReal[Succeeded * problems + p], failed = searchReal[Failed * problems + p];
        bool noFailure = XMath.IsInfinity(failed);
        if (succeeded > 0 && !noFailure && failed <= succeeded * (1 + settings.Tolerance)) return WeightConverged;
        if (succeeded == 0 && !noFailure && failed <= settings.MinWeight) return MinWeightReached;
        if (noFailure && succeeded >= settings.MaxWeight) return MaxWeightReached;
        if (searchInt[Rounds * problems + p] >= settings.MaxRounds) return MaxRounds;
        return 0;
    }

    /// <summary>The next c: the bracket's geometric midpoint, else a factor beyond its known end, else the initial weight.</summary>
    private static double NextWeight(WeightSearchSettings settings, double succeeded, double failed)
    {
        bool noFailure = XMath.IsInfinity(failed);
        if (succeeded > 0 && !noFailure) return succeeded * XMath.Sqrt(failed / succeeded);
        if (succeeded > 0) return succeeded * settings.Factor;
        if (!noFailure) return failed / settings.Factor;
        return settings.InitialWeight;
    }

    /// <summary>The size of x − original for one row, by the settings' distance, accumulated in float64.</summary>
    private static double Size(WeightSearchSettings settings, ArrayView<float> x, ArrayView<float> originals, int row)
    {
        double sum = 0, max = 0;
        for (int k = 0; k < settings.Dimension; k++)
        {
            double r = (double)x[row + k] - originals[row + k];
            sum += r * r;
            max = XMath.Max(max, XMath.Abs(r));
        }
        return settings.Distance == DistanceLInf ? max : settings.Distance == DistanceL2 ? XMath.Sqrt(sum) : XMath.Sqrt(sum / settings.Dimension);
    }

    /// <summary>The solver state of a problem about to start a new solve: running, no history, its start point the next trial.</summary>
    private static void RestartSolver(ArrayView<int> state, int problems, int p)
    {
        state[Lbfgs.Running * problems + p] = 1;
        state[Lbfgs.Status * problems + p] = Lbfgs.StatusRunning;
        state[Lbfgs.Iterations * problems + p] = 0;
        state[Lbfgs.Evaluations * problems + p] = 0;
        state[Lbfgs.HistoryCount * problems + p] = 0;
        state[Lbfgs.HistoryHead * problems + p] = 0;
        state[Lbfgs.Trials * problems + p] = Lbfgs.TrialsStartPending;
        state[Lbfgs.Accepted * problems + p] = 0;
    }

    private static void CopyRow(ArrayView<float> from, ArrayView<float> to, int row, int n)
    {
        for (int k = 0; k < n; k++) to[row + k] = from[row + k];
    }
}
