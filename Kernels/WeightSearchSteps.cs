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
/// <para>Buffers: searchInt (int) [<see cref="IntFields"/>, P], fields <see cref="SearchIntField"/>,
/// followed by one counter of problems whose search has ended; searchReal (float64)
/// [<see cref="RealFields"/>, P], fields <see cref="SearchRealField"/>; x, best, originals
/// [P, n]; weights [P], the float32 c the objective reads; labels, targets [P] (target −1: any
/// class but the label). The solver's int state is <see cref="Lbfgs"/>'s.</para>
/// <para>The search is that of one weight per round of the host's search it replaces: the same
/// bracket, the same next weight, the same stopping tests in the same order, so each problem's
/// sequence of solves is the same.</para>
/// </remarks>
public static class WeightSearchSteps
{
    /// <summary>Rows of searchInt per problem: the <see cref="SearchIntField"/> values.</summary>
    public const int IntFields = (int)SearchIntField.TrialPrediction + 1;
    /// <summary>Rows of searchReal per problem: the <see cref="SearchRealField"/> values.</summary>
    public const int RealFields = (int)SearchRealField.Weight + 1;

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
            searchReal[At(SearchRealField.Succeeded, problems, p)] = 0;
            searchReal[At(SearchRealField.Failed, problems, p)] = double.PositiveInfinity;
            searchReal[At(SearchRealField.BestSize, problems, p)] = double.PositiveInfinity;
            searchReal[At(SearchRealField.BestWeight, problems, p)] = 0;
            searchReal[At(SearchRealField.Weight, problems, p)] = settings.InitialWeight;
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
            if (searchInt[At(SearchIntField.Stop, problems, p)] != 0) continue;
            if (solverState[Lbfgs.Accepted * problems + p] == 1)
                searchInt[At(SearchIntField.Prediction, problems, p)] = searchInt[At(SearchIntField.TrialPrediction, problems, p)];
            if (solverState[Lbfgs.Running * problems + p] != 0) continue;

            int prediction = searchInt[At(SearchIntField.Prediction, problems, p)], target = targets[p];
            bool reached = target < 0 ? prediction != labels[p] : prediction == target;
            RecordSolve(settings, p, reached, solverState, searchInt, searchReal, x, best, originals);
            MoveBracket(settings, p, reached, searchInt, searchReal);
            int stop = StopReason(settings, p, searchInt, searchReal);
            if (stop != 0)
            {
                searchInt[At(SearchIntField.Stop, problems, p)] = stop;
                Atomic.Add(ref searchInt[IntFields * problems], 1);
                continue;
            }
            double next = NextWeight(settings, searchReal[At(SearchRealField.Succeeded, problems, p)], searchReal[At(SearchRealField.Failed, problems, p)]);
            searchReal[At(SearchRealField.Weight, problems, p)] = next;
            weights[p] = (float)next;
            int row = p * settings.Dimension;
            if (settings.WarmStart == 0) CopyRow(originals, x, row, settings.Dimension);
            else if (searchInt[At(SearchIntField.Found, problems, p)] != 0) CopyRow(best, x, row, settings.Dimension);
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
            searchInt[At(SearchIntField.TrialPrediction, problems, p)] = best;
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
        searchInt[At(SearchIntField.Iterations, problems, p)] += solverState[Lbfgs.Iterations * problems + p];
        searchInt[At(SearchIntField.Evaluations, problems, p)] += solverState[Lbfgs.Evaluations * problems + p];
        searchInt[At(SearchIntField.LatestSolverStop, problems, p)] = status;
        searchInt[At(SearchIntField.Rounds, problems, p)] += 1;
        if (!reached) return;
        double size = Size(settings, x, originals, row);
        if (!(size < searchReal[At(SearchRealField.BestSize, problems, p)])) return;
        searchReal[At(SearchRealField.BestSize, problems, p)] = size;
        searchReal[At(SearchRealField.BestWeight, problems, p)] = searchReal[At(SearchRealField.Weight, problems, p)];
        searchInt[At(SearchIntField.Found, problems, p)] = 1;
        searchInt[At(SearchIntField.BestSolverStop, problems, p)] = status;
        CopyRow(x, best, row, n);
    }

    /// <summary>
    /// The bracket after a solve at c: a success above the largest raises it (dropping a failure
    /// at or below it: success need not be monotone in c); a failure inside the bracket lowers its top.
    /// </summary>
    private static void MoveBracket(WeightSearchSettings settings, int p, bool reached, ArrayView<int> searchInt, ArrayView<double> searchReal)
    {
        int problems = settings.Problems;
        double w = searchReal[At(SearchRealField.Weight, problems, p)];
        double succeeded = searchReal[At(SearchRealField.Succeeded, problems, p)], failed = searchReal[At(SearchRealField.Failed, problems, p)];
        if (reached && w > succeeded) succeeded = w;
        if (failed <= succeeded) failed = double.PositiveInfinity;
        if (!reached && w > succeeded && w < failed) failed = w;
        searchReal[At(SearchRealField.Succeeded, problems, p)] = succeeded;
        searchReal[At(SearchRealField.Failed, problems, p)] = failed;
    }

    /// <summary>Why the search ends, in the host search's order of tests, or 0 while it goes on.</summary>
    private static int StopReason(WeightSearchSettings settings, int p, ArrayView<int> searchInt, ArrayView<double> searchReal)
    {
        int problems = settings.Problems;
        double succeeded = searchReal[At(SearchRealField.Succeeded, problems, p)], failed = searchReal[At(SearchRealField.Failed, problems, p)];
        bool noFailure = XMath.IsInfinity(failed);
        if (succeeded > 0 && !noFailure && failed <= succeeded * (1 + settings.Tolerance)) return WeightConverged;
        if (succeeded == 0 && !noFailure && failed <= settings.MinWeight) return MinWeightReached;
        if (noFailure && succeeded >= settings.MaxWeight) return MaxWeightReached;
        if (searchInt[At(SearchIntField.Rounds, problems, p)] >= settings.MaxRounds) return MaxRounds;
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

    /// <summary>Where field f of problem p lies in the field-major searchInt.</summary>
    private static int At(SearchIntField f, int problems, int p) => (int)f * problems + p;

    /// <summary>Where field f of problem p lies in the field-major searchReal.</summary>
    private static int At(SearchRealField f, int problems, int p) => (int)f * problems + p;

    private static void CopyRow(ArrayView<float> from, ArrayView<float> to, int row, int n)
    {
        for (int k = 0; k < n; k++) to[row + k] = from[row + k];
    }
}
