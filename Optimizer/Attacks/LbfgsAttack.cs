using IlgpuBlindSpots.Network;

namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// The minimal-perturbation attack of Szegedy et al. (2013), section 4.1: for each example, the
/// smallest r found by minimising c·‖r‖² + loss(x + r) over x + r ∈ [0, 1]ⁿ with box-constrained
/// L-BFGS, for the largest weight c whose minimiser still reaches the goal.
/// </summary>
/// <remarks>
/// <para>The variables are x′ = x + r themselves, bounded by [0, 1], so the box is the optimizer's
/// own (<see cref="ProjectedLbfgs"/>); the objective is <see cref="AdversarialObjective"/>. The
/// loss is CE(f(x′), target) for a targeted goal and −log(1 − p_label(x′)) for an untargeted one
/// (the cross-entropy of "not the label": it flattens out once the label's probability is small,
/// whereas −CE(label) keeps rewarding a push further past the boundary, so its minimiser
/// overshoots; and it lets the minimiser pick the nearest wrong class, where CE towards the
/// runner-up commits to one class at x).</para>
/// <para>Every example of a batch searches its own c at once (<see cref="WeightSearch"/>), in
/// rounds of one batched solve; after each solve a fresh forward pass on the solutions decides
/// success, and each example keeps its smallest successful x′. Examples whose search has ended
/// leave the batch, and within a solve stopped problems leave the model's batch
/// (<see cref="LbfgsAttackOptions.CompactRunning"/>). Nothing couples the problems, so an example's
/// result does not depend on its batch.</para>
/// </remarks>
public sealed class LbfgsAttack : Attack
{
    /// <summary>The attack with <paramref name="options"/>, or the defaults (the paper's search, 128 examples a batch).</summary>
    /// <exception cref="BlindSpotsException">An option is out of range.</exception>
    public LbfgsAttack(LbfgsAttackOptions? options = null) : base((options ?? new LbfgsAttackOptions()).BatchSize)
    {
        Options = options ?? new LbfgsAttackOptions();
        Options.Validate();
    }

    /// <summary>The validated options.</summary>
    public LbfgsAttackOptions Options { get; }

    /// <summary>The distance successful perturbations are compared by, <see cref="LbfgsAttackOptions.Distance"/>.</summary>
    public override Distance Measure => Options.Distance;

    /// <summary>Model rows evaluated by the objective over this attack's runs (padding included), for measuring.</summary>
    public long ModelRows { get; private set; }

    private protected override void Perturb(AttackBatch batch, AttackLoss loss)
    {
        var o = Options;
        int count = batch.Count, n = batch.Length, k = o.WeightsPerRound;
        var device = loss.Device;
        int[] inputShape = loss.Model.InputShape;
        var searches = new WeightSearch[count];
        var bestSize = new double[count];
        var found = new bool[count];
        var latest = (float[])batch.Originals.Clone();
        var latestStop = new StopReason?[count];
        for (int j = 0; j < count; j++)
        {
            searches[j] = new WeightSearch(o.InitialWeight, o.WeightFactor, k);
            bestSize[j] = double.PositiveInfinity;
        }

        using var solver = new ProjectedLbfgs(device, o.Solver);
        using var objective = new AdversarialObjective(loss, o.CompactRunning ?? device.Kind == DeviceKind.Cpu, o.Loss, (float)o.Confidence);
        Tensor? x = null, lower = null, upper = null;
        try
        {
            while (true)
            {
                var running = Enumerable.Range(0, count)
                    .Where(j => !searches[j].Finished(o.WeightTolerance, o.MinWeight, o.MaxWeight, o.MaxRounds))
                    .ToArray();
                if (running.Length == 0) break;
                int problems = running.Length * k;
                var originals = new float[problems * n];
                var starts = new float[problems * n];
                var weights = new double[problems];
                var labels = new int[problems];
                var targets = new int[problems];
                for (int a = 0; a < running.Length; a++)
                {
                    int j = running[a];
                    double[] w = searches[j].Next();
                    var start = !o.WarmStart ? batch.Original(j)
                        : found[j] ? batch.Adversarial(j) : latest.AsSpan(j * n, n);
                    for (int i = 0; i < k; i++)
                    {
                        int p = a * k + i;
                        batch.Original(j).CopyTo(originals.AsSpan(p * n, n));
                        start.CopyTo(starts.AsSpan(p * n, n));
                        weights[p] = w[i];
                        labels[p] = batch.Labels[j];
                        targets[p] = batch.Targets[j];
                    }
                }

                if (x is null || x.Batch != problems)
                {
                    x?.Dispose();
                    lower?.Dispose();
                    upper?.Dispose();
                    x = null;
                    lower = upper = null;
                    x = Tensor.Allocate(device, [problems, .. inputShape]);
                    lower = Tensor.Zeros(device, [problems, .. inputShape]);
                    upper = Tensor.FromArray(device, Ones(problems * n), [problems, .. inputShape]);
                }
                objective.Load(originals, weights.Select(w => (float)w).ToArray(), labels, targets, batch.Untargeted);
                x.CopyFrom(starts);
                var result = solver.Minimize(objective, x, lower!, upper!);
                int[] predictions = loss.Predict(x);
                float[] solutions = x.ToArray();

                var reached = new bool[k];
                for (int a = 0; a < running.Length; a++)
                {
                    int j = running[a];
                    for (int i = 0; i < k; i++)
                    {
                        int p = a * k + i;
                        batch.Iterations[j] += result.Iterations[p];
                        batch.Evaluations[j] += result.Evaluations[p];
                        reached[i] = Criterion.Reached(predictions[p], labels[p], targets[p]);
                        var solution = solutions.AsSpan(p * n, n);
                        if (reached[i])
                        {
                            double size = Distortions.Between(batch.Original(j), solution).Of(o.Distance);
                            if (size < bestSize[j])
                            {
                                bestSize[j] = size;
                                found[j] = true;
                                solution.CopyTo(batch.Adversarial(j));
                                batch.Weights[j] = weights[p];
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
                    searches[j].Record(weights.AsSpan(a * k, k), reached);
                }
            }
            ModelRows += objective.ModelRows;
        }
        finally
        {
            x?.Dispose();
            lower?.Dispose();
            upper?.Dispose();
        }

        // An example that never succeeded reports its last attempt at its smallest weight.
        for (int j = 0; j < count; j++)
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
        if (o.Refinement is { } refinement) Refine(batch, loss, found, refinement);
    }

    /// <summary>
    /// The bisection to the boundary and FMN's steps from each successful example's perturbation;
    /// an example keeps the refined input only if it is a smaller success (<see cref="MinimalNormState"/>).
    /// </summary>
    private static void Refine(AttackBatch batch, AttackLoss loss, bool[] found, FmnOptions refinement)
    {
        int[] rows = Enumerable.Range(0, batch.Count).Where(j => found[j]).ToArray();
        if (rows.Length == 0) return;
        int n = batch.Length;
        var originals = new float[rows.Length * n];
        var starts = new float[rows.Length * n];
        var squared = new float[rows.Length];
        for (int a = 0; a < rows.Length; a++)
        {
            batch.Original(rows[a]).CopyTo(originals.AsSpan(a * n, n));
            batch.Adversarial(rows[a]).CopyTo(starts.AsSpan(a * n, n));
            squared[a] = (float)Math.Pow(Distortions.Between(batch.Original(rows[a]), batch.Adversarial(rows[a])).L2, 2);
        }
        using var state = new MinimalNormState(loss, originals, starts, rows.Select(j => batch.Labels[j]).ToArray(),
            rows.Select(j => batch.Targets[j]).ToArray(), starts, squared);
        FmnAttack.Refine(state, refinement, refinement.BisectionSteps);
        state.Check();
        var refined = new AttackBatch(rows.Length, n, batch.Untargeted);
        state.WriteTo(refined);
        int work = refinement.BisectionSteps + refinement.Steps;
        for (int a = 0; a < rows.Length; a++)
        {
            refined.Adversarial(a).CopyTo(batch.Adversarial(rows[a]));
            batch.Evaluations[rows[a]] += work;
            batch.Iterations[rows[a]] += work;
        }
    }

    private static float[] Ones(int length)
    {
        var a = new float[length];
        Array.Fill(a, 1f);
        return a;
    }
}
