using IlgpuBlindSpots.Network;

namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// The L-BFGS attack's weight search run from the host, in lock-step: each round one batched
/// L-BFGS solve of every example still searching, K weights each (<see cref="WeightSearch"/>),
/// after which a fresh forward pass on the solutions decides success and each example keeps its
/// smallest successful x′. Used for K &gt; 1 weights a round, and to compare with
/// <see cref="DeviceWeightSearch"/>, which does the same search per problem on the device.
/// </summary>
internal sealed class HostWeightSearch
{
    private readonly AttackBatch batch;
    private readonly AttackLoss loss;
    private readonly LbfgsAttackOptions o;
    private readonly WeightSearch[] searches;
    private readonly double[] bestSize;
    private readonly bool[] found;
    private readonly float[] latest;
    private readonly StopReason?[] latestStop;
    private long rounds, launches, reads, allocations, tensorsAfterFirst = -1, maxEvaluations;

    public HostWeightSearch(AttackBatch batch, AttackLoss loss, LbfgsAttackOptions options)
    {
        this.batch = batch;
        this.loss = loss;
        o = options;
        int count = batch.Count;
        searches = new WeightSearch[count];
        bestSize = new double[count];
        found = new bool[count];
        latest = (float[])batch.Originals.Clone();
        latestStop = new StopReason?[count];
        for (int j = 0; j < count; j++)
        {
            searches[j] = new WeightSearch(o.InitialWeight, o.WeightFactor, o.WeightsPerRound);
            bestSize[j] = double.PositiveInfinity;
        }
    }

    /// <summary>Searches every example of the batch and writes its outputs; returns which found a success, and what it cost.</summary>
    public (bool[] Found, WeightSearchCounters Counters) Run(ProjectedLbfgs solver, AdversarialObjective objective)
    {
        long tensorsBefore = Tensor.Allocations, objectiveBefore = objective.BuffersAllocated, solverBefore = solver.WorkspaceBuffersAllocated;
        long maskReadsBefore = objective.MaskReads;
        Tensor? x = null, lower = null, upper = null;
        try
        {
            while (true)
            {
                var running = Enumerable.Range(0, batch.Count)
                    .Where(j => !searches[j].Finished(o.WeightTolerance, o.MinWeight, o.MaxWeight, o.MaxRounds))
                    .ToArray();
                if (running.Length == 0) break;
                var solve = NextSolve(running);
                if (x is null || x.Batch != solve.Weights.Length)
                {
                    x?.Dispose();
                    lower?.Dispose();
                    upper?.Dispose();
                    x = lower = upper = null;
                    (x, lower, upper) = Box(solve.Weights.Length);
                }
                objective.Load(solve.Originals, solve.Weights.Select(w => (float)w).ToArray(), solve.Labels, solve.Targets, batch.Untargeted);
                x.CopyFrom(solve.Starts);
                var result = solver.Minimize(objective, x, lower!, upper!);
                CountSolve(result.Rounds, solver.Options.CheckEvery);
                int[] predictions = loss.Predict(x);
                RecordSolve(running, solve, result, predictions, x.ToArray());
            }
        }
        finally
        {
            x?.Dispose();
            lower?.Dispose();
            upper?.Dispose();
        }
        Finish();
        allocations += Tensor.Allocations - tensorsBefore + objective.BuffersAllocated - objectiveBefore + solver.WorkspaceBuffersAllocated - solverBefore;
        long afterFirst = tensorsAfterFirst < 0 ? 0 : Tensor.Allocations - tensorsAfterFirst;
        return (found, new WeightSearchCounters(1, rounds, launches, reads + objective.MaskReads - maskReadsBefore,
            allocations, afterFirst, maxEvaluations));
    }

    /// <summary>The problems of one solve: K copies of each running example, with its next K weights and its start point.</summary>
    private sealed record Solve(float[] Originals, float[] Starts, double[] Weights, int[] Labels, int[] Targets);

    private Solve NextSolve(int[] running)
    {
        int n = batch.Length, k = o.WeightsPerRound, problems = running.Length * k;
        var solve = new Solve(new float[problems * n], new float[problems * n], new double[problems], new int[problems], new int[problems]);
        for (int a = 0; a < running.Length; a++)
        {
            int j = running[a];
            double[] w = searches[j].Next();
            var start = !o.WarmStart ? batch.Original(j)
                : found[j] ? batch.Adversarial(j) : latest.AsSpan(j * n, n);
            for (int i = 0; i < k; i++)
            {
                int p = a * k + i;
                batch.Original(j).CopyTo(solve.Originals.AsSpan(p * n, n));
                start.CopyTo(solve.Starts.AsSpan(p * n, n));
                solve.Weights[p] = w[i];
                solve.Labels[p] = batch.Labels[j];
                solve.Targets[p] = batch.Targets[j];
            }
        }
        return solve;
    }

    /// <summary>Judges each problem's solution by the fresh predictions, keeps each example's smallest success and moves its search.</summary>
    private void RecordSolve(int[] running, Solve solve, LbfgsResult result, int[] predictions, float[] solutions)
    {
        int n = batch.Length, k = o.WeightsPerRound;
        var reached = new bool[k];
        for (int a = 0; a < running.Length; a++)
        {
            int j = running[a];
            for (int i = 0; i < k; i++)
            {
                int p = a * k + i;
                batch.Iterations[j] += result.Iterations[p];
                batch.Evaluations[j] += result.Evaluations[p];
                maxEvaluations = Math.Max(maxEvaluations, batch.Evaluations[j]);
                reached[i] = Criterion.Reached(predictions[p], solve.Labels[p], solve.Targets[p]);
                var solution = solutions.AsSpan(p * n, n);
                if (reached[i])
                {
                    double size = Distortions.Between(batch.Original(j), solution).Of(o.Distance);
                    if (size < bestSize[j])
                    {
                        bestSize[j] = size;
                        found[j] = true;
                        solution.CopyTo(batch.Adversarial(j));
                        batch.Weights[j] = solve.Weights[p];
                        batch.SolverStops[j] = result.Reasons[p];
                    }
                }
                // Without a success yet, the next solve starts from the most aggressive (smallest c) solution.
                if (i == 0)
                {
                    solution.CopyTo(latest.AsSpan(j * n, n));
                    latestStop[j] = result.Reasons[p];
                }
            }
            searches[j].Record(solve.Weights.AsSpan(a * k, k), reached);
        }
    }

    /// <summary>Why each search ended; an example that never succeeded reports its last attempt at its smallest weight.</summary>
    private void Finish()
    {
        int n = batch.Length;
        for (int j = 0; j < batch.Count; j++)
        {
            batch.Stops[j] = searches[j].Stop(o.WeightTolerance, o.MinWeight, o.MaxWeight, o.MaxRounds)
                ?? throw new InvalidOperationException("the weight search left the batch before it finished");
            if (!found[j])
            {
                latest.AsSpan(j * n, n).CopyTo(batch.Adversarial(j));
                batch.Weights[j] = double.NaN;
                batch.SolverStops[j] = latestStop[j];
            }
        }
    }

    /// <summary>
    /// One solve's cost: its rounds; a start and a first-point launch, then two per round; a count
    /// read every CheckEvery rounds, then the state, the predictions and the solutions.
    /// </summary>
    private void CountSolve(int solveRounds, int checkEvery)
    {
        if (tensorsAfterFirst < 0) tensorsAfterFirst = Tensor.Allocations;
        rounds += solveRounds;
        launches += 2 + ProjectedLbfgs.LaunchesPerRound * (solveRounds - 1L);
        reads += (solveRounds - 1 + checkEvery - 1) / checkEvery + 4;
    }

    private (Tensor X, Tensor Lower, Tensor Upper) Box(int problems)
    {
        int[] shape = [problems, .. loss.Model.InputShape];
        var x = Tensor.Allocate(loss.Device, shape);
        var lower = Tensor.Zeros(loss.Device, shape);
        var ones = new float[x.Length];
        Array.Fill(ones, 1f);
        return (x, lower, Tensor.FromArray(loss.Device, ones, shape));
    }
}
