using ILGPU.Runtime;
using IlgpuBlindSpots.Optimizer;

namespace IlgpuBlindSpots.Tests.Optimizer;

/// <summary>
/// <see cref="ProjectedLbfgs"/> on analytic problems with known box-constrained minimizers, against
/// a float64 host version of the same algorithm, and on its per-problem bookkeeping.
/// </summary>
public class ProjectedLbfgsTests
{
    private static readonly LbfgsOptions Tight = new() { ProjectedGradientTolerance = 1e-6, RelativeReductionTolerance = 0 };

    [Fact]
    public void DiagonalQuadraticEndsAtTheClampedCentre()
    {
        const int problems = 6, n = 9;
        var dev = TestDevice.Current;
        float[] curvature = Rand.Uniform(11, problems * n, 0.5f, 4f), centre = Rand.Uniform(12, problems * n, -2f, 2f);
        float[] lower = Rand.Uniform(13, problems * n, -1.5f, -0.5f), upper = Rand.Uniform(14, problems * n, 0.5f, 1.5f);
        using var objective = QuadraticObjective.Diagonal(dev, curvature, centre, problems, n);
        // Start points partly outside the box: the solver projects them first.
        using var x = Tensor.FromArray(dev, Rand.Uniform(15, problems * n, -3f, 3f), problems, n);
        using var lo = Tensor.FromArray(dev, lower, problems, n);
        using var hi = Tensor.FromArray(dev, upper, problems, n);
        using var solver = new ProjectedLbfgs(dev, Tight);

        var result = solver.Minimize(objective, x, lo, hi);

        float[] solution = x.ToArray();
        var expected = new double[problems * n];
        for (int i = 0; i < expected.Length; i++) expected[i] = Math.Clamp(centre[i], lower[i], upper[i]);
        Compare.Close(expected, solution, rtol: 0, atol: 1e-4, what: "x");
        for (int i = 0; i < expected.Length; i++)
        {
            // A variable whose gradient pushes out of the box must sit exactly on the bound.
            if (centre[i] < lower[i]) Assert.Equal(lower[i], solution[i]);
            if (centre[i] > upper[i]) Assert.Equal(upper[i], solution[i]);
        }
        for (int p = 0; p < problems; p++)
        {
            Assert.Equal(StopReason.Converged, result.Reasons[p]);
            Assert.True(result.ProjectedGradientNorms[p] <= 1e-6, $"problem {p}: projected gradient {result.ProjectedGradientNorms[p]}");
            Assert.True(result.Iterations[p] > 0);
            Assert.True(result.Evaluations[p] >= result.Iterations[p] + 1);
        }
        Assert.Same(x, result.Solution);
    }

    [Theory]
    [InlineData(1, LbfgsLayout.ProblemMajor)]
    [InlineData(2, LbfgsLayout.ProblemMajor)]
    [InlineData(2, LbfgsLayout.ElementMajor)]
    [InlineData(10, LbfgsLayout.ProblemMajor)]
    public void CoupledQuadraticMatchesCoordinateDescentReference(int memory, LbfgsLayout layout)
    {
        const int problems = 5, n = 8;
        var dev = TestDevice.Current;
        float[] centre = Rand.Uniform(21, problems * n, -2f, 2f);
        float[] lower = Rand.Uniform(22, problems * n, -1f, -0.2f), upper = Rand.Uniform(23, problems * n, 0.2f, 1f);
        using var objective = QuadraticObjective.Coupled(dev, 24, centre, problems, n, 0.3f);
        using var x = Tensor.Zeros(dev, problems, n);
        using var lo = Tensor.FromArray(dev, lower, problems, n);
        using var hi = Tensor.FromArray(dev, upper, problems, n);
        using var solver = new ProjectedLbfgs(dev, Tight with { Memory = memory, Layout = layout });

        var result = solver.Minimize(objective, x, lo, hi);

        var expected = new double[problems * n];
        int atBound = 0;
        for (int p = 0; p < problems; p++)
        {
            var xp = BoxQuadraticReference.Minimize(objective.Matrices, centre, lower, upper, p, n);
            for (int i = 0; i < n; i++)
            {
                expected[p * n + i] = xp[i];
                if (xp[i] == lower[p * n + i] || xp[i] == upper[p * n + i]) atBound++;
            }
            Assert.Equal(StopReason.Converged, result.Reasons[p]);
        }
        Assert.True(atBound > 0 && atBound < problems * n, "the test needs both bound and free variables at the optimum");
        Compare.Close(expected, x.ToArray(), rtol: 0, atol: 1e-4, what: $"x (m = {memory})");
    }

    [Theory]
    [InlineData(1, LbfgsLayout.ProblemMajor)]
    [InlineData(2, LbfgsLayout.ElementMajor)]
    [InlineData(4, LbfgsLayout.ProblemMajor)]
    [InlineData(7, LbfgsLayout.ElementMajor)]
    [InlineData(12, LbfgsLayout.ProblemMajor)]
    [InlineData(12, LbfgsLayout.ElementMajor)]
    [InlineData(4, LbfgsLayout.ProblemGroups)]
    [InlineData(12, LbfgsLayout.ProblemGroups)]
    public void IteratesFollowTheFloat64Reference(int iterations, LbfgsLayout layout)
    {
        // n = 40 with a small shift: 12 iterations stay before f stops changing in float32, where
        // float32 and float64 runs could start to make different accept decisions.
        const int problems = 3, n = 40;
        var dev = TestDevice.Current;
        using var box = new CoupledBoxProblems(dev, 31, problems, n, 0.01f);
        var (objective, x, lo, hi) = (box.Objective, box.X, box.Lower, box.Upper);
        // m = 3 so that the ring wraps within the longer runs.
        var options = Tight with { Memory = 3, MaxIterations = iterations, ProjectedGradientTolerance = 0, Layout = layout };
        using var solver = new ProjectedLbfgs(dev, options);

        var result = solver.Minimize(objective, x, lo, hi);

        float[] solution = x.ToArray();
        for (int p = 0; p < problems; p++)
        {
            var reference = box.Reference(p, options);
            Assert.Equal(StopReason.MaxIterations, reference.Reason);
            Assert.Equal(reference.Reason, result.Reasons[p]);
            Assert.Equal(reference.Iterations, result.Iterations[p]);
            Assert.Equal(reference.Evaluations, result.Evaluations[p]);
            Compare.Close(reference.X, solution.AsSpan(p * n, n).ToArray(), rtol: 0, atol: 1e-5, what: $"problem {p} x");
        }
    }

    /// <summary>
    /// The grouped steps with the default history of 10 pairs, a batch of 5 problems and rows
    /// shorter than, and not a multiple of, the group: the iterates follow the same float64 reference.
    /// </summary>
    [Theory]
    [InlineData(5, 40, 12)]
    [InlineData(5, 3, 14)]
    public void GroupedStepsWithTheDefaultHistoryFollowTheFloat64Reference(int problems, int n, int iterations)
    {
        var dev = TestDevice.Current;
        using var box = new CoupledBoxProblems(dev, 37, problems, n, 0.01f);
        var (objective, x, lo, hi) = (box.Objective, box.X, box.Lower, box.Upper);
        var options = Tight with { Memory = 10, MaxIterations = iterations, ProjectedGradientTolerance = 0, Layout = LbfgsLayout.ProblemGroups };
        using var solver = new ProjectedLbfgs(dev, options);

        var result = solver.Minimize(objective, x, lo, hi);

        float[] solution = x.ToArray();
        for (int p = 0; p < problems; p++)
        {
            var reference = box.Reference(p, options);
            Assert.Equal(reference.Reason, result.Reasons[p]);
            Assert.Equal(reference.Iterations, result.Iterations[p]);
            Assert.Equal(reference.Evaluations, result.Evaluations[p]);
            Compare.Close(reference.X, solution.AsSpan(p * n, n).ToArray(), rtol: 0, atol: 1e-5, what: $"problem {p} x");
        }
    }

    /// <summary>
    /// A problem restarted inside a run (its start point pending, <see cref="IlgpuBlindSpots.Kernels.Lbfgs.TrialsStartPending"/>,
    /// as the device weight search restarts one) follows the float64 reference of a fresh solve:
    /// the start point is evaluated as the first round's trial and recorded as the first point.
    /// </summary>
    [Theory]
    [InlineData(LbfgsLayout.ProblemMajor)]
    [InlineData(LbfgsLayout.ElementMajor)]
    [InlineData(LbfgsLayout.ProblemGroups)]
    public void ARestartedProblemFollowsTheFloat64ReferenceOfAFreshSolve(LbfgsLayout layout)
    {
        const int problems = 3, n = 40;
        var dev = TestDevice.Current;
        using var box = new CoupledBoxProblems(dev, 41, problems, n, 0.01f);
        var (objective, x, lo, hi) = (box.Objective, box.X, box.Lower, box.Upper);
        var options = Tight with { Memory = 3, MaxIterations = 9, ProjectedGradientTolerance = 0, Layout = layout };
        using var solver = new ProjectedLbfgs(dev, options);

        var (ws, settings, split) = solver.Prepare(x);
        var state = new int[IlgpuBlindSpots.Kernels.Lbfgs.IntFields * problems + 1];
        for (int p = 0; p < problems; p++)
        {
            state[IlgpuBlindSpots.Kernels.Lbfgs.Running * problems + p] = 1;
            state[IlgpuBlindSpots.Kernels.Lbfgs.Trials * problems + p] = IlgpuBlindSpots.Kernels.Lbfgs.TrialsStartPending;
        }
        ws.State.CopyFromCPU(state);
        int rounds = 0;
        while (ws.StoppedCount() < problems && rounds < 200)
        {
            solver.Round(objective, ws, settings, split, x, lo, hi);
            rounds++;
        }

        int[] after = ws.ReadState();
        float[] solution = x.ToArray();
        for (int p = 0; p < problems; p++)
        {
            var reference = box.Reference(p, options);
            Assert.Equal(StopReason.MaxIterations, reference.Reason);
            Assert.Equal((int)reference.Reason, after[IlgpuBlindSpots.Kernels.Lbfgs.Status * problems + p]);
            Assert.Equal(reference.Iterations, after[IlgpuBlindSpots.Kernels.Lbfgs.Iterations * problems + p]);
            Assert.Equal(reference.Evaluations, after[IlgpuBlindSpots.Kernels.Lbfgs.Evaluations * problems + p]);
            Compare.Close(reference.X, solution.AsSpan(p * n, n).ToArray(), rtol: 0, atol: 1e-5, what: $"problem {p} x");
        }
    }

    [Fact]
    public void RosenbrockInTwoDimensionsFindsInteriorAndBoundaryMinima()
    {
        // Problems 0 and 1 have (1, 1) inside their box; 2 and 3 have x₀ ≤ 0.5, whose minimizer is
        // (0.5, 0.25) (with x₀ fixed, x₁ = x₀² is best, then (1 − x₀)² falls up to the bound).
        var dev = TestDevice.Current;
        float[] start = [-1.2f, 1f, 2f, 2f, -1.2f, 1f, 0f, -2f];
        float[] lower = [-2f, -2f, -2f, -2f, -2f, -2f, -2f, -2f];
        float[] upper = [2f, 2f, 2f, 2f, 0.5f, 2f, 0.5f, 2f];
        using var x = Tensor.FromArray(dev, start, 4, 2);
        using var lo = Tensor.FromArray(dev, lower, 4, 2);
        using var hi = Tensor.FromArray(dev, upper, 4, 2);
        using var solver = new ProjectedLbfgs(dev, Tight);

        var result = solver.Minimize(new RosenbrockObjective(dev, 4, 2), x, lo, hi);

        Compare.Close([1, 1, 1, 1, 0.5, 0.25, 0.5, 0.25], x.ToArray(), rtol: 0, atol: 1e-4, what: "x");
        Assert.All(result.Reasons, r => Assert.Equal(StopReason.Converged, r));
        Compare.Close([0, 0, 0.25, 0.25], result.Values, rtol: 0, atol: 1e-7, what: "f");
    }

    [Fact]
    public void RosenbrockInTenDimensionsReachesAllOnes()
    {
        const int problems = 3, n = 10;
        var dev = TestDevice.Current;
        var start = new float[problems * n];
        Rand.Uniform(41, n, 0f, 1f).CopyTo(start, 0);
        Array.Fill(start, 0.5f, n, n);
        // Problem 2 starts at the lower corner of its box.
        Array.Fill(start, -2f, 2 * n, n);
        using var x = Tensor.FromArray(dev, start, problems, n);
        using var solver = new ProjectedLbfgs(dev, Tight);

        var result = solver.Minimize(new RosenbrockObjective(dev, problems, n), x, -2f, 2f);

        Compare.Close(Enumerable.Repeat(1.0, problems * n).ToArray(), x.ToArray(), rtol: 0, atol: 1e-4, what: "x");
        // Near (1, …, 1) the largest curvature is about 2.5e3, so neighbouring float32 points differ
        // in ∇f by ~1e-4: a 1e-6 certificate is luck. A problem that misses it must stop because no
        // float32 trial point lowers f any more, not for any other reason.
        Assert.All(result.Reasons, r => Assert.Contains(r, new[] { StopReason.Converged, StopReason.LineSearchFailed }));
        Assert.All(result.Values, f => Assert.InRange(f, 0f, 1e-10f));
    }

    [Theory]
    [InlineData(LbfgsLayout.Auto)]
    [InlineData(LbfgsLayout.ProblemGroups)]
    public void MaxIterationsStopsAfterExactlyThatManySteps(LbfgsLayout layout)
    {
        var dev = TestDevice.Current;
        using var x = Tensor.FromArray(dev, [-1.2f, 1f, -1.5f, 2f], 2, 2);
        using var solver = new ProjectedLbfgs(dev, new LbfgsOptions { MaxIterations = 3, Layout = layout });

        var result = solver.Minimize(new RosenbrockObjective(dev, 2, 2), x, -5f, 5f);

        Assert.Equal([StopReason.MaxIterations, StopReason.MaxIterations], result.Reasons);
        Assert.Equal([3, 3], result.Iterations);
    }

    [Fact]
    public void StartAtTheMinimizerConvergesWithoutAStepAndWarmStartReusesASolution()
    {
        const int problems = 4, n = 6;
        var dev = TestDevice.Current;
        float[] centre = Rand.Uniform(51, problems * n, -0.5f, 0.5f);
        using var objective = QuadraticObjective.Coupled(dev, 52, centre, problems, n, 0.5f);
        using var solver = new ProjectedLbfgs(dev);

        // The centre lies inside the box: it is the minimizer, where the gradient is exactly 0.
        using var atCentre = Tensor.FromArray(dev, centre, problems, n);
        var first = solver.Minimize(objective, atCentre, -1f, 1f);
        Assert.All(first.Reasons, r => Assert.Equal(StopReason.Converged, r));
        Assert.All(first.Iterations, i => Assert.Equal(0, i));
        Assert.All(first.Evaluations, e => Assert.Equal(1, e));
        Assert.Equal(centre, atCentre.ToArray());
        Assert.Equal(1, first.Rounds);

        // Solve from elsewhere, then restart from that solution: converged before any step.
        using var x = Tensor.Zeros(dev, problems, n);
        var solved = solver.Minimize(objective, x, -1f, 1f);
        Assert.All(solved.Reasons, r => Assert.Equal(StopReason.Converged, r));
        float[] solution = x.ToArray();
        var warm = solver.Minimize(objective, x, -1f, 1f);
        Assert.All(warm.Iterations, i => Assert.Equal(0, i));
        Assert.All(warm.Reasons, r => Assert.Equal(StopReason.Converged, r));
        Assert.Equal(solution, x.ToArray());
    }

    [Fact]
    public void RelativeReductionToleranceStopsAStallingProblem()
    {
        const int problems = 3, n = 8;
        var dev = TestDevice.Current;
        using var objective = QuadraticObjective.Coupled(dev, 61, Rand.Uniform(62, problems * n, -2f, 2f), problems, n, 0.05f);
        using var x = Tensor.Zeros(dev, problems, n);
        using var solver = new ProjectedLbfgs(dev, new LbfgsOptions { ProjectedGradientTolerance = 0, RelativeReductionTolerance = 1e-3 });

        var result = solver.Minimize(objective, x, -1f, 1f);

        Assert.All(result.Reasons, r => Assert.Equal(StopReason.RelativeReductionBelowTolerance, r));
        Assert.All(result.ProjectedGradientNorms, pg => Assert.True(pg > 0));
    }

    [Fact]
    public void LineSearchFailsWhenNoTrialPointHasAValue()
    {
        const int problems = 2, n = 3;
        var dev = TestDevice.Current;
        float[] start = Rand.Uniform(71, problems * n);
        using var x = Tensor.FromArray(dev, start, problems, n);
        using var startCopy = Tensor.FromArray(dev, start, problems, n);
        using var solver = new ProjectedLbfgs(dev, new LbfgsOptions { MaxLineSearchSteps = 6 });

        var result = solver.Minimize(new UndefinedAwayFromStartObjective(dev, startCopy), x, -10f, 10f);

        Assert.All(result.Reasons, r => Assert.Equal(StopReason.LineSearchFailed, r));
        Assert.All(result.Iterations, i => Assert.Equal(0, i));
        Assert.All(result.Evaluations, e => Assert.Equal(1 + 6, e));
        Assert.Equal(start, x.ToArray());
        Assert.Equal([1f, 1f], result.Values);
    }

    [Fact]
    public void ProblemsStopOneByOneAndStoppedProblemsAreNeverEvaluatedAgain()
    {
        // Curvatures: problem 0 is a round bowl, problem 1 spans two decades, problem 2 three.
        const int problems = 3, n = 12;
        const double pgtol = 1e-4;
        var dev = TestDevice.Current;
        var curvature = new float[problems * n];
        for (int i = 0; i < n; i++)
        {
            curvature[i] = 2f;
            curvature[n + i] = MathF.Pow(10f, 2f * i / (n - 1));
            curvature[2 * n + i] = MathF.Pow(10f, 3f * i / (n - 1));
        }
        float[] centre = Rand.Uniform(81, problems * n, -0.9f, 0.9f);
        using var quadratic = QuadraticObjective.Diagonal(dev, curvature, centre, problems, n);
        var counting = new CountingObjective(quadratic, problems);
        using var x = Tensor.Zeros(dev, problems, n);
        // pgtol 1e-4: with curvature 1e3, ∇f moves by ~3e-5 between neighbouring float32 points.
        using var solver = new ProjectedLbfgs(dev, Tight with { CheckEvery = 1, ProjectedGradientTolerance = pgtol });

        var result = solver.Minimize(counting, x, -1f, 1f);

        Assert.All(result.Reasons, r => Assert.Equal(StopReason.Converged, r));
        Assert.True(result.Iterations[0] < result.Iterations[1] && result.Iterations[1] < result.Iterations[2],
            $"iterations {string.Join(", ", result.Iterations)}");
        // Each problem was asked for exactly as many evaluations as it used.
        Assert.Equal(result.Evaluations, counting.Requests);
        Assert.Equal(result.Rounds, counting.Calls);
        Assert.Equal(result.Evaluations.Max(), result.Rounds);
        // All centres are inside the box, so ∇f = a·(x − c) and the certificate bounds each error.
        float[] solution = x.ToArray();
        for (int i = 0; i < solution.Length; i++)
            Assert.True(Math.Abs(solution[i] - centre[i]) <= pgtol / curvature[i] * 1.001,
                $"element {i}: {solution[i]} vs centre {centre[i]}, curvature {curvature[i]}");
    }

    [Fact]
    public void AProblemSolvedAloneEqualsTheSameProblemInABatch()
    {
        const int problems = 4, n = 2;
        var dev = TestDevice.Current;
        float[] start = [-1.2f, 1f, 2f, 2f, -1.5f, -1f, 0f, -2f];
        float[] lower = [-2f, -2f, -2f, -2f, -2f, -2f, -2f, -2f];
        float[] upper = [2f, 2f, 2f, 2f, 0.5f, 2f, 0.5f, 2f];
        using var x = Tensor.FromArray(dev, start, problems, n);
        using var lo = Tensor.FromArray(dev, lower, problems, n);
        using var hi = Tensor.FromArray(dev, upper, problems, n);
        using var batchSolver = new ProjectedLbfgs(dev, Tight);
        var batch = batchSolver.Minimize(new RosenbrockObjective(dev, problems, n), x, lo, hi);
        float[] batchSolution = x.ToArray();

        using var aloneSolver = new ProjectedLbfgs(dev, Tight);
        for (int p = 0; p < problems; p++)
        {
            using var xp = Tensor.FromArray(dev, Row(start, p, n), 1, n);
            using var lop = Tensor.FromArray(dev, Row(lower, p, n), 1, n);
            using var hip = Tensor.FromArray(dev, Row(upper, p, n), 1, n);
            var alone = aloneSolver.Minimize(new RosenbrockObjective(dev, 1, n), xp, lop, hip);
            Assert.Equal(batchSolution.AsSpan(p * n, n).ToArray(), xp.ToArray());
            Assert.Equal(batch.Reasons[p], alone.Reasons[0]);
            Assert.Equal(batch.Iterations[p], alone.Iterations[0]);
            Assert.Equal(batch.Evaluations[p], alone.Evaluations[0]);
            Assert.Equal(batch.Values[p], alone.Values[0]);
        }
        Assert.True(batch.Evaluations.Distinct().Count() > 1, "the batch should mix problems of different lengths");
    }

    [Fact]
    public void ResultsDoNotDependOnHowOftenTheHostChecks()
    {
        const int problems = 5, n = 8;
        var dev = TestDevice.Current;
        float[] centre = Rand.Uniform(91, problems * n, -2f, 2f);
        using var objective = QuadraticObjective.Coupled(dev, 92, centre, problems, n, 0.2f);
        float[]? reference = null;
        LbfgsResult? referenceResult = null;
        foreach (int every in new[] { 1, 3, 7 })
        {
            using var x = Tensor.Zeros(dev, problems, n);
            using var solver = new ProjectedLbfgs(dev, Tight with { CheckEvery = every });
            var result = solver.Minimize(objective, x, -1f, 1f);
            // The last problem to stop did so in the last checked window.
            Assert.InRange(result.Rounds - result.Evaluations.Max(), 0, every - 1);
            if (reference is null)
            {
                reference = x.ToArray();
                referenceResult = result;
                continue;
            }
            Assert.Equal(reference, x.ToArray());
            Assert.Equal(referenceResult!.Iterations, result.Iterations);
            Assert.Equal(referenceResult.Evaluations, result.Evaluations);
            Assert.Equal(referenceResult.Reasons, result.Reasons);
        }
    }

    [Fact]
    public void BothLayoutsGiveBitIdenticalResults()
    {
        const int problems = 4, n = 10;
        var dev = TestDevice.Current;
        var start = Rand.Uniform(101, problems * n, -2f, 2f);
        var outcomes = new List<(float[] X, LbfgsResult Result)>();
        foreach (var layout in new[] { LbfgsLayout.ProblemMajor, LbfgsLayout.ElementMajor })
        {
            using var x = Tensor.FromArray(dev, start, problems, n);
            // m = 3 against ~50 iterations: the ring wraps many times.
            using var solver = new ProjectedLbfgs(dev, new LbfgsOptions { Memory = 3, Layout = layout });
            var result = solver.Minimize(new RosenbrockObjective(dev, problems, n), x, -1.5f, 0.9f);
            outcomes.Add((x.ToArray(), result));
        }
        var (a, ra) = outcomes[0];
        var (b, rb) = outcomes[1];
        Assert.Equal(a, b);
        Assert.Equal(ra.Values, rb.Values);
        Assert.Equal(ra.Iterations, rb.Iterations);
        Assert.Equal(ra.Evaluations, rb.Evaluations);
        Assert.Equal(ra.Reasons, rb.Reasons);
        Assert.All(ra.Iterations, i => Assert.True(i > 3, $"{i} iterations do not wrap the ring"));
    }

    [Fact]
    public void InvalidOptionsAndMismatchedBoundsAreRejected()
    {
        var dev = TestDevice.Current;
        foreach (var bad in new[]
                 {
                     new LbfgsOptions { Memory = 0 }, new LbfgsOptions { MaxIterations = 0 },
                     new LbfgsOptions { ProjectedGradientTolerance = -1 }, new LbfgsOptions { RelativeReductionTolerance = double.NaN },
                     new LbfgsOptions { MaxLineSearchSteps = 0 }, new LbfgsOptions { SufficientDecrease = 0.5 },
                     new LbfgsOptions { CheckEvery = 0 }, new LbfgsOptions { Layout = (LbfgsLayout)7 },
                 })
            Assert.Throws<BlindSpotsException>(() => new ProjectedLbfgs(dev, bad));

        using var solver = new ProjectedLbfgs(dev);
        using var x = Tensor.Zeros(dev, 2, 3);
        using var shortBound = Tensor.Zeros(dev, 2, 2);
        var objective = new RosenbrockObjective(dev, 2, 3);
        Assert.Throws<BlindSpotsException>(() => solver.Minimize(objective, x, shortBound, shortBound));
        Assert.Throws<BlindSpotsException>(() => solver.Minimize(objective, x, 1f, 0f));
    }

    private static float[] Row(float[] a, int p, int n) => a.AsSpan(p * n, n).ToArray();
}
