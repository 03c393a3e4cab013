namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// What the L-BFGS attack's weight search cost the host and the device, summed over batches: the
/// structure of a run, independent of how fast the machine is.
/// </summary>
/// <param name="Batches">Batches attacked.</param>
/// <param name="Rounds">Device rounds (one objective evaluation of the running problems each).</param>
/// <param name="Launches">Kernel launches of the optimizer and the search (the objective's own, a model pass each round, not included).</param>
/// <param name="HostReads">Reads from the device to the host: counts, running masks, predictions, solutions and states.</param>
/// <param name="Allocations">Device buffers allocated.</param>
/// <param name="AllocationsAfterFirstRound">Device buffers allocated after each batch's first round.</param>
/// <param name="MaxEvaluations">The largest number of objective evaluations of any one example.</param>
public sealed record WeightSearchCounters(long Batches, long Rounds, long Launches, long HostReads, long Allocations,
    long AllocationsAfterFirstRound, long MaxEvaluations)
{
    /// <summary>Nothing counted yet.</summary>
    public static WeightSearchCounters None { get; } = new(0, 0, 0, 0, 0, 0, 0);

    /// <summary>Both runs' counts together (the largest evaluation count is the larger of the two).</summary>
    public WeightSearchCounters Plus(WeightSearchCounters other) => new(Batches + other.Batches, Rounds + other.Rounds,
        Launches + other.Launches, HostReads + other.HostReads, Allocations + other.Allocations,
        AllocationsAfterFirstRound + other.AllocationsAfterFirstRound, Math.Max(MaxEvaluations, other.MaxEvaluations));
}
