using ILGPU;
using ILGPU.Runtime;
using IlgpuBlindSpots.Kernels;
using IlgpuBlindSpots.Network;

namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// The L-BFGS attack's weight search run on the device, each example on its own (one weight per
/// solve): one L-BFGS run for the whole batch in which a problem whose solve ends is judged,
/// moves its own c and restarts warm in the next round (<see cref="WeightSearchSteps"/>), while the
/// others go on. The host reads one count every <see cref="LbfgsOptions.CheckEvery"/> rounds (the
/// first after two periods) and the results once, packed in one buffer, at the end, so a batch of R
/// rounds costs at most R / CheckEvery reads; every buffer is sized once per batch.
/// </summary>
internal sealed class DeviceWeightSearch : IDisposable
{
    private readonly ComputeDevice device;
    private readonly Action<Index1D, WorkSplit, WeightSearchSettings, ArrayView<int>, ArrayView<int>, ArrayView<double>, ArrayView<float>> begin;
    private readonly Action<Index1D, WorkSplit, WeightSearchSettings, ArrayView<int>, ArrayView<int>, ArrayView<double>,
        ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>> advance;
    private readonly Action<Index1D, WorkSplit, WeightSearchSettings, ArrayView<int>, ArrayView<double>,
        ArrayView<float>, ArrayView<float>, ArrayView<double>> pack;
    private MemoryBuffer1D<int, Stride1D.Dense>? searchInt;
    private MemoryBuffer1D<double, Stride1D.Dense>? searchReal, packed;
    private Tensor? x, best, lower, upper;
    private long allocations;
    private int[] runningMask = [];
    private readonly int[] one = new int[1];

    public DeviceWeightSearch(ComputeDevice device)
    {
        this.device = device;
        begin = device.KernelCache.Load<WorkSplit, WeightSearchSettings, ArrayView<int>, ArrayView<int>, ArrayView<double>, ArrayView<float>>(WeightSearchSteps.Begin);
        advance = device.KernelCache.Load<WorkSplit, WeightSearchSettings, ArrayView<int>, ArrayView<int>, ArrayView<double>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>>(WeightSearchSteps.Advance);
        pack = device.KernelCache.Load<WorkSplit, WeightSearchSettings, ArrayView<int>, ArrayView<double>,
            ArrayView<float>, ArrayView<float>, ArrayView<double>>(WeightSearchResults.Pack);
    }

    /// <summary>
    /// Searches every problem of <paramref name="batch"/> and writes its outputs (adversarial input,
    /// weight, stops, work); returns which problems found a success, and what the run cost.
    /// </summary>
    public (bool[] Found, WeightSearchCounters Counters) Run(AttackBatch batch, AdversarialObjective objective,
        ProjectedLbfgs solver, LbfgsAttackOptions o, int[] inputShape)
    {
        long tensorsBefore = Tensor.Allocations, objectiveBefore = objective.BuffersAllocated, solverBefore = solver.WorkspaceBuffersAllocated;
        allocations = 0;
        int count = batch.Count;
        Buffers(count, inputShape);
        objective.Load(batch.Originals, Filled(count, (float)o.InitialWeight), batch.Labels, batch.Targets, batch.Untargeted);
        x!.CopyFrom(batch.Originals);
        objective.RecordPredictionsInto(searchInt!.View);
        objective.MaskFromCaller = true;
        long maskReadsBefore = objective.MaskReads;
        try
        {
            var (ws, lbfgs, split) = solver.Prepare(x);
            var settings = new WeightSearchSettings
            {
                Problems = count, Dimension = batch.Length, InitialWeight = o.InitialWeight, Factor = o.WeightFactor,
                Tolerance = o.WeightTolerance, MinWeight = o.MinWeight, MaxWeight = o.MaxWeight, MaxRounds = o.MaxRounds,
                Distance = (int)o.Distance, WarmStart = o.WarmStart ? 1 : 0,
            };
            begin(split.Threads, split, settings, ws.State.View, searchInt.View, searchReal!.View, objective.WeightsView);
            var (rounds, reads, tensorsAfterFirst) = Rounds(objective, solver, o, ws, lbfgs, split, settings);
            var (found, maxEvaluations) = Collect(batch, settings);
            // Tensors are counted once, by Tensor.Allocations; the others by their owners.
            long tensors = Tensor.Allocations - tensorsBefore;
            allocations += objective.BuffersAllocated - objectiveBefore + solver.WorkspaceBuffersAllocated - solverBefore;
            return (found, new WeightSearchCounters(1, rounds, 2 + rounds * (ProjectedLbfgs.LaunchesPerRound + 1),
                reads + 1 + objective.MaskReads - maskReadsBefore, allocations + tensors, Tensor.Allocations - tensorsAfterFirst, maxEvaluations));
        }
        finally
        {
            objective.RecordPredictionsInto(ArrayView<int>.Empty);
            objective.MaskFromCaller = false;
        }
    }

    /// <summary>
    /// Rounds until every problem's search has ended, with one read every CheckEvery rounds: the
    /// count of ended searches, or, when the objective compacts, the running mask, which it then
    /// runs the model on (a problem runs exactly while its search goes on). Returns the rounds, the
    /// reads and the tensor count after the first round.
    /// </summary>
    private (long Rounds, long Reads, long TensorsAfterFirst) Rounds(AdversarialObjective objective, ProjectedLbfgs solver,
        LbfgsAttackOptions o, LbfgsWorkspace ws, LbfgsSettings lbfgs, WorkSplit split, WeightSearchSettings settings)
    {
        // Each solve is bounded as a host-run solve is; this only guards the loop.
        long limit = (long)o.MaxRounds * (2L * o.Solver.MaxIterations * o.Solver.MaxLineSearchSteps + 1);
        long rounds = 0, reads = 0, tensorsAfterFirst = Tensor.Allocations;
        // The end-of-batch read takes the first period's read: no search ends within a period
        // anyway unless its example needs no perturbation, so little is lost by not asking.
        int period = 2 * o.Solver.CheckEvery;
        while (rounds < limit)
        {
            for (int k = 0; k < period && rounds < limit; k++)
            {
                solver.Round(objective, ws, lbfgs, split, x!, lower!, upper!);
                advance(split.Threads, split, settings, ws.State.View, searchInt!.View, searchReal!.View,
                    x!.View, best!.View, objective.OriginalsView, objective.WeightsView, objective.LabelsView, objective.TargetsView);
                if (++rounds == 1) tensorsAfterFirst = Tensor.Allocations;
            }
            period = o.Solver.CheckEvery;
            reads++;
            if (Ended(objective, ws, settings.Problems) >= settings.Problems) break;
        }
        return (rounds, reads, tensorsAfterFirst);
    }

    /// <summary>How many problems' searches have ended: one read from the device.</summary>
    private int Ended(AdversarialObjective objective, LbfgsWorkspace ws, int problems)
    {
        if (objective.CompactsRunning)
        {
            ws.Running.CopyToCPU(runningMask);
            objective.SetRunning(runningMask);
            return problems - runningMask.Count(r => r != 0);
        }
        searchInt!.View.SubView((long)WeightSearchSteps.IntFields * problems, 1).CopyToCPU(one);
        return one[0];
    }

    /// <summary>
    /// Packs the search's state, the kept successes and the latest solutions on the device
    /// (<see cref="WeightSearchResults"/>) and reads them back in one read into the batch.
    /// </summary>
    private (bool[] Found, long MaxEvaluations) Collect(AttackBatch batch, WeightSearchSettings settings)
    {
        int count = batch.Count, n = batch.Length, record = WeightSearchResults.Fields + n;
        var split = device.Split(count * record);
        pack(split.Threads, split, settings, searchInt!.View, searchReal!.View, x!.View, best!.View, packed!.View);
        double[] r = packed.GetAsArray1D();
        var found = new bool[count];
        long maxEvaluations = 0;
        for (int j = 0; j < count; j++)
        {
            int at = j * record;
            int stop = (int)r[at + (int)SearchIntField.Stop];
            batch.Stops[j] = stop != 0 ? (AttackStopReason)stop
                : throw new InvalidOperationException("the weight search left the batch before it finished");
            int evaluations = (int)r[at + (int)SearchIntField.Evaluations];
            batch.Iterations[j] += (int)r[at + (int)SearchIntField.Iterations];
            batch.Evaluations[j] += evaluations;
            maxEvaluations = Math.Max(maxEvaluations, evaluations);
            found[j] = r[at + (int)SearchIntField.Found] != 0;
            var row = batch.Adversarial(j);
            for (int k = 0; k < n; k++) row[k] = (float)r[at + WeightSearchResults.Fields + k];
            // The reported row's solve: the kept success's, or where none, the latest.
            batch.Weights[j] = found[j] ? r[at + WeightSearchResults.Reals + (int)SearchRealField.BestWeight] : double.NaN;
            var solverStop = found[j] ? SearchIntField.BestSolverStop : SearchIntField.LatestSolverStop;
            batch.SolverStops[j] = (StopReason)(int)r[at + (int)solverStop];
        }
        return (found, maxEvaluations);
    }

    /// <summary>The search's buffers for <paramref name="count"/> problems, allocated only when the count changes.</summary>
    private void Buffers(int count, int[] inputShape)
    {
        if (x is not null && x.Batch == count) return;
        DisposeBuffers();
        var a = device.Accelerator;
        searchInt = a.Allocate1D<int>((long)WeightSearchSteps.IntFields * count + 1);
        searchReal = a.Allocate1D<double>((long)WeightSearchSteps.RealFields * count);
        packed = a.Allocate1D<double>((long)count * (WeightSearchResults.Fields + inputShape.Aggregate(1, (m, d) => m * d)));
        runningMask = new int[count];
        allocations += 3;
        x = Tensor.Allocate(device, [count, .. inputShape]);
        best = Tensor.Allocate(device, [count, .. inputShape]);
        lower = Tensor.Zeros(device, [count, .. inputShape]);
        upper = Tensor.FromArray(device, Filled(x.Length, 1f), [count, .. inputShape]);
    }

    private static float[] Filled(int length, float value)
    {
        var a = new float[length];
        Array.Fill(a, value);
        return a;
    }

    private void DisposeBuffers()
    {
        searchInt?.Dispose();
        searchReal?.Dispose();
        packed?.Dispose();
        x?.Dispose();
        best?.Dispose();
        lower?.Dispose();
        upper?.Dispose();
        searchInt = null;
        searchReal = null;
        packed = null;
        x = best = lower = upper = null;
    }

    public void Dispose() => DisposeBuffers();
}
