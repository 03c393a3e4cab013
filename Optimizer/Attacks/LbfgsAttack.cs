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
/// <para>Every example of a batch searches its own c at once. By default each on its own, on the
/// device (<see cref="DeviceWeightSearch"/>): one L-BFGS run for the batch, in which a problem
/// whose solve ends is judged by the model's class at its solution, keeps its smallest successful
/// x′, moves its own c and restarts warm, while the others go on. With several weights a round
/// (or <see cref="LbfgsAttackOptions.SearchOnDevice"/> off) the host runs the same search in
/// lock-step rounds of one batched solve (<see cref="HostWeightSearch"/>). Problems whose search has
/// ended leave the model's batch (<see cref="LbfgsAttackOptions.CompactRunning"/>). Nothing couples
/// the problems, so an example's result does not depend on its batch.</para>
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

    /// <summary>What the weight search cost, summed over every batch of this attack's runs.</summary>
    public WeightSearchCounters Counters { get; private set; } = WeightSearchCounters.None;

    /// <summary>Whether this attack's weight search runs per problem on the device (<see cref="DeviceWeightSearch"/>) rather than in lock-step from the host.</summary>
    public bool SearchesOnDevice => Options.SearchOnDevice && Options.WeightsPerRound == 1;

    private protected override void Perturb(AttackBatch batch, AttackLoss loss)
    {
        var o = Options;
        var device = loss.Device;
        using var solver = new ProjectedLbfgs(device, o.Solver);
        using var objective = new AdversarialObjective(loss, o.CompactRunning ?? device.Kind == DeviceKind.Cpu, o.Loss, (float)o.Confidence);
        bool[] found;
        WeightSearchCounters counters;
        if (SearchesOnDevice)
        {
            using var search = new DeviceWeightSearch(device);
            (found, counters) = search.Run(batch, objective, solver, o, loss.Model.InputShape);
        }
        else (found, counters) = new HostWeightSearch(batch, loss, o).Run(solver, objective);
        ModelRows += objective.ModelRows;
        Counters = Counters.Plus(counters);
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
}
