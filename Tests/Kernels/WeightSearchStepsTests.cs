using ILGPU;
using ILGPU.Runtime;
using IlgpuBlindSpots.Optimizer.Attacks;

namespace IlgpuBlindSpots.Tests.Kernels;

/// <summary>
/// The device weight search's kernels against the host's: one <see cref="WeightSearchSteps.Advance"/>
/// over problems in every situation (searching, solve ended with or without success, smaller or
/// larger than the kept one, search settling, search already over) must do what the host's
/// <see cref="WeightSearch"/> and <see cref="Distortions"/> (float64) do for each.
/// </summary>
public class WeightSearchStepsTests
{
    private const int P = 48, N = 7;
    private const double Factor = 2, Tolerance = 0.05, MinWeight = 1e-3, MaxWeight = 64;
    private const int MaxRounds = 6;

    /// <summary>One problem's situation before the step, and the host search that is its reference.</summary>
    private sealed record Problem(WeightSearch Search, double Weight, bool Done, bool Running, bool Accepted,
        int Prediction, int TrialPrediction, int Label, int Target, double BestSize, bool Found, int SolverStatus);

    [Theory]
    [InlineData(WeightSearchSteps.DistanceRms, true)]
    [InlineData(WeightSearchSteps.DistanceL2, false)]
    [InlineData(WeightSearchSteps.DistanceLInf, true)]
    public void AdvanceDoesWhatTheHostSearchDoes(int distance, bool warm)
    {
        var dev = TestDevice.Current;
        var rng = new Random(11 + distance);
        var problems = Enumerable.Range(0, P).Select(_ => RandomProblem(rng)).ToArray();
        float[] x = Rand.Uniform(1, P * N, 0, 1), best = Rand.Uniform(2, P * N, 0, 1), originals = Rand.Uniform(3, P * N, 0, 1);
        var (solverState, searchInt, searchReal) = Pack(problems);
        var settings = Settings(P, N, 1, distance, warm);

        using var st = dev.Accelerator.Allocate1D(solverState);
        using var si = dev.Accelerator.Allocate1D(searchInt);
        using var sr = dev.Accelerator.Allocate1D(searchReal);
        using var tx = Tensor.FromArray(dev, x, P, N);
        using var tb = Tensor.FromArray(dev, best, P, N);
        using var to = Tensor.FromArray(dev, originals, P, N);
        using var tw = Tensor.FromArray(dev, problems.Select(p => (float)p.Weight).ToArray(), P);
        using var labels = dev.Accelerator.Allocate1D(problems.Select(p => p.Label).ToArray());
        using var targets = dev.Accelerator.Allocate1D(problems.Select(p => p.Target).ToArray());
        var s = dev.Split(P);
        dev.KernelCache.Load<WorkSplit, WeightSearchSettings, ArrayView<int>, ArrayView<int>, ArrayView<double>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>>(WeightSearchSteps.Advance)(
            s.Threads, s, settings, st.View, si.View, sr.View, tx.View, tb.View, to.View, tw.View, labels.View, targets.View);

        var (ds, di, dr) = (st.GetAsArray1D(), si.GetAsArray1D(), sr.GetAsArray1D());
        float[] dx = tx.ToArray(), db = tb.ToArray(), dw = tw.ToArray();
        int ended = 0;
        for (int p = 0; p < P; p++)
            ended += CheckProblem(p, problems[p], distance, warm, x, best, originals, ds, di, dr, dx, db, dw);
        Assert.Equal(ended, di[WeightSearchSteps.IntFields * P]);
        Assert.InRange(ended, 1, P - 1);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TrialPredictionsAreTheArgMaxOfEachRowAtItsProblem(bool compacted)
    {
        var dev = TestDevice.Current;
        const int problems = 9, classes = 5;
        int[] rows = compacted ? [7, 2, 4, 4] : [];
        int count = compacted ? rows.Length : problems;
        float[] logits = Rand.Uniform(4, count * classes);
        var searchInt = Enumerable.Repeat(-7, WeightSearchSteps.IntFields * problems + 1).ToArray();
        using var tl = Tensor.FromArray(dev, logits, count, classes);
        using var tr = dev.Accelerator.Allocate1D(compacted ? rows : [0]);
        using var ts = dev.Accelerator.Allocate1D(searchInt);
        var s = dev.Split(count);
        dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<int>, int, int>(WeightSearchSteps.TrialPredictions)(
            s.Threads, s, tl.View, compacted ? tr.View : ArrayView<int>.Empty, ts.View, classes, problems);
        var result = ts.GetAsArray1D();
        var expected = (int[])searchInt.Clone();
        for (int r = 0; r < count; r++)
        {
            var row = logits.AsSpan(r * classes, classes).ToArray();
            expected[(int)SearchIntField.TrialPrediction * problems + (compacted ? rows[r] : r)] = Array.IndexOf(row, row.Max());
        }
        Assert.Equal(expected, result);
    }

    [Fact]
    public void BeginSetsEveryProblemToEvaluateItsStartAtTheInitialWeight()
    {
        var dev = TestDevice.Current;
        const int problems = 5;
        using var st = dev.Accelerator.Allocate1D(Enumerable.Repeat(9, Lbfgs.IntFields * problems + 1).ToArray());
        using var si = dev.Accelerator.Allocate1D(Enumerable.Repeat(9, WeightSearchSteps.IntFields * problems + 1).ToArray());
        using var sr = dev.Accelerator.Allocate1D<double>(WeightSearchSteps.RealFields * problems);
        using var tw = Tensor.Zeros(dev, problems);
        var settings = Settings(problems, 3, 0.75, 0, true);
        var s = dev.Split(problems);
        dev.KernelCache.Load<WorkSplit, WeightSearchSettings, ArrayView<int>, ArrayView<int>, ArrayView<double>, ArrayView<float>>(WeightSearchSteps.Begin)(
            s.Threads, s, settings, st.View, si.View, sr.View, tw.View);
        var (state, search, real) = (st.GetAsArray1D(), si.GetAsArray1D(), sr.GetAsArray1D());
        for (int p = 0; p < problems; p++)
        {
            Assert.Equal(1, state[Lbfgs.Running * problems + p]);
            Assert.Equal(Lbfgs.TrialsStartPending, state[Lbfgs.Trials * problems + p]);
            Assert.Equal(0, state[Lbfgs.Evaluations * problems + p]);
            for (int f = 0; f < WeightSearchSteps.IntFields; f++) Assert.Equal(0, search[f * problems + p]);
            Assert.Equal(0.75, real[(int)SearchRealField.Weight * problems + p]);
            Assert.Equal(double.PositiveInfinity, real[(int)SearchRealField.Failed * problems + p]);
        }
        Assert.Equal(0, state[Lbfgs.IntFields * problems]);
        Assert.Equal(0, search[WeightSearchSteps.IntFields * problems]);
        Assert.All(tw.ToArray(), w => Assert.Equal(0.75f, w));
    }

    /// <summary>The search's settings with this test's constants.</summary>
    private static WeightSearchSettings Settings(int problems, int dimension, double initialWeight, int distance, bool warm) => new()
    {
        Problems = problems, Dimension = dimension, InitialWeight = initialWeight, Factor = Factor, Tolerance = Tolerance,
        MinWeight = MinWeight, MaxWeight = MaxWeight, MaxRounds = MaxRounds, Distance = distance, WarmStart = warm ? 1 : 0,
    };

    private static Problem RandomProblem(Random rng)
    {
        var search = new WeightSearch(1, Factor, 1);
        int history = rng.Next(0, MaxRounds);
        for (int h = 0; h < history && !search.Finished(Tolerance, MinWeight, MaxWeight, MaxRounds); h++)
            search.Record(search.Next(), [rng.Next(2) == 0]);
        bool done = search.Finished(Tolerance, MinWeight, MaxWeight, MaxRounds) || rng.Next(8) == 0;
        bool found = rng.Next(2) == 0;
        return new Problem(search, search.Next()[0], done, Running: rng.Next(3) == 0, Accepted: rng.Next(2) == 0,
            Prediction: rng.Next(4), TrialPrediction: rng.Next(4), Label: rng.Next(4), Target: rng.Next(5) - 1,
            BestSize: found ? rng.NextDouble() * 0.6 : double.PositiveInfinity, Found: found, SolverStatus: 1 + rng.Next(4));
    }

    private static (int[] Solver, int[] SearchInt, double[] SearchReal) Pack(Problem[] problems)
    {
        var solver = new int[Lbfgs.IntFields * P + 1];
        var searchInt = new int[WeightSearchSteps.IntFields * P + 1];
        var searchReal = new double[WeightSearchSteps.RealFields * P];
        for (int p = 0; p < P; p++)
        {
            var q = problems[p];
            solver[Lbfgs.Running * P + p] = q.Running ? 1 : 0;
            solver[Lbfgs.Status * P + p] = q.Running ? 0 : q.SolverStatus;
            solver[Lbfgs.Accepted * P + p] = q.Accepted ? 1 : 0;
            solver[Lbfgs.Iterations * P + p] = 3 + p;
            solver[Lbfgs.Evaluations * P + p] = 5 + p;
            solver[Lbfgs.HistoryCount * P + p] = 2;
            searchInt[(int)SearchIntField.Rounds * P + p] = q.Search.Rounds;
            searchInt[(int)SearchIntField.Stop * P + p] = q.Done ? 2 : 0;
            searchInt[(int)SearchIntField.Found * P + p] = q.Found ? 1 : 0;
            searchInt[(int)SearchIntField.Iterations * P + p] = 100;
            searchInt[(int)SearchIntField.Evaluations * P + p] = 200;
            searchInt[(int)SearchIntField.Prediction * P + p] = q.Prediction;
            searchInt[(int)SearchIntField.TrialPrediction * P + p] = q.TrialPrediction;
            searchReal[(int)SearchRealField.Succeeded * P + p] = q.Search.Succeeded;
            searchReal[(int)SearchRealField.Failed * P + p] = q.Search.Failed;
            searchReal[(int)SearchRealField.BestSize * P + p] = q.BestSize;
            searchReal[(int)SearchRealField.Weight * P + p] = q.Weight;
        }
        return (solver, searchInt, searchReal);
    }

    /// <summary>Checks problem p after the step against the host search; returns 1 if its search ended in this step.</summary>
    private static int CheckProblem(int p, Problem q, int distance, bool warm, float[] x, float[] best, float[] originals,
        int[] solver, int[] searchInt, double[] searchReal, float[] dx, float[] db, float[] dw)
    {
        int prediction = !q.Done && q.Accepted ? q.TrialPrediction : q.Prediction;
        Assert.Equal(prediction, searchInt[(int)SearchIntField.Prediction * P + p]);
        if (q.Done || q.Running)
        {
            Assert.Equal(q.Done ? 2 : 0, searchInt[(int)SearchIntField.Stop * P + p]);
            Assert.Equal(q.Search.Rounds, searchInt[(int)SearchIntField.Rounds * P + p]);
            Assert.Equal(x.AsSpan(p * N, N).ToArray(), dx.AsSpan(p * N, N).ToArray());
            Assert.Equal(best.AsSpan(p * N, N).ToArray(), db.AsSpan(p * N, N).ToArray());
            return 0;
        }
        bool reached = q.Target < 0 ? prediction != q.Label : prediction == q.Target;
        double size = Distortions.Between(originals.AsSpan(p * N, N), x.AsSpan(p * N, N)).Of((Distance)distance);
        bool kept = reached && size < q.BestSize;
        Assert.Equal(100 + 3 + p, searchInt[(int)SearchIntField.Iterations * P + p]);
        Assert.Equal(200 + 5 + p, searchInt[(int)SearchIntField.Evaluations * P + p]);
        Assert.Equal(q.SolverStatus, searchInt[(int)SearchIntField.LatestSolverStop * P + p]);
        Assert.Equal(q.Found || kept ? 1 : 0, searchInt[(int)SearchIntField.Found * P + p]);
        Assert.Equal(kept ? x.AsSpan(p * N, N).ToArray() : best.AsSpan(p * N, N).ToArray(), db.AsSpan(p * N, N).ToArray());
        if (kept)
        {
            Assert.Equal(size, searchReal[(int)SearchRealField.BestSize * P + p], 12);
            Assert.Equal(q.Weight, searchReal[(int)SearchRealField.BestWeight * P + p]);
            Assert.Equal(q.SolverStatus, searchInt[(int)SearchIntField.BestSolverStop * P + p]);
        }

        q.Search.Record([q.Weight], [reached]);
        Assert.Equal(q.Search.Succeeded, searchReal[(int)SearchRealField.Succeeded * P + p]);
        Assert.Equal(q.Search.Failed, searchReal[(int)SearchRealField.Failed * P + p]);
        Assert.Equal(q.Search.Rounds, searchInt[(int)SearchIntField.Rounds * P + p]);
        var stop = q.Search.Stop(Tolerance, MinWeight, MaxWeight, MaxRounds);
        Assert.Equal(stop is { } r ? (int)r : 0, searchInt[(int)SearchIntField.Stop * P + p]);
        if (stop is not null)
        {
            Assert.Equal(0, solver[Lbfgs.Running * P + p]);
            return 1;
        }
        double next = q.Search.Next()[0];
        Assert.Equal(next, searchReal[(int)SearchRealField.Weight * P + p], next * 1e-14);
        Assert.Equal((float)next, dw[p]);
        Assert.Equal(1, solver[Lbfgs.Running * P + p]);
        Assert.Equal(Lbfgs.TrialsStartPending, solver[Lbfgs.Trials * P + p]);
        Assert.Equal(0, solver[Lbfgs.Evaluations * P + p]);
        Assert.Equal(0, solver[Lbfgs.HistoryCount * P + p]);
        float[] start = !warm ? originals : q.Found || kept ? (kept ? x : best) : x;
        Assert.Equal(start.AsSpan(p * N, N).ToArray(), dx.AsSpan(p * N, N).ToArray());
        return 0;
    }
}
