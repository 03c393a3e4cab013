namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// The search for one problem's weight c of ‖r‖²: the largest c whose minimiser still reaches the
/// goal (a larger c buys a smaller perturbation). It brackets by stepping c up from a success or
/// down from a failure by a factor, then narrows the bracket geometrically, K weights a round.
/// </summary>
/// <remarks>
/// K = 1 is plain bracketing and geometric bisection. With K weights a round they split the bracket
/// [lo, hi] into K + 1 equal parts on a log scale, so one round narrows it (K + 1)-fold; before a
/// bracket exists they are K steps of the factor beyond the known end (or, in the first round,
/// K steps centred on the initial weight). Success need not be monotone in c: the bracket keeps
/// the largest successful c and the smallest failing c above it, and ignores failures below.
/// </remarks>
internal sealed class WeightSearch(double initial, double factor, int perRound)
{
    /// <summary>The largest weight known to succeed; 0 when none has.</summary>
    public double Succeeded { get; private set; }

    /// <summary>The smallest weight above <see cref="Succeeded"/> known to fail; ∞ when none has.</summary>
    public double Failed { get; private set; } = double.PositiveInfinity;

    /// <summary>Rounds recorded.</summary>
    public int Rounds { get; private set; }

    /// <summary>The K weights to try next, ascending.</summary>
    public double[] Next()
    {
        var w = new double[perRound];
        double lo = Succeeded, hi = Failed;
        for (int i = 0; i < perRound; i++)
        {
            if (lo > 0 && !double.IsPositiveInfinity(hi))
                w[i] = lo * Math.Pow(hi / lo, (i + 1.0) / (perRound + 1));
            else if (lo > 0)
                w[i] = lo * Math.Pow(factor, i + 1);
            else if (!double.IsPositiveInfinity(hi))
                w[i] = hi * Math.Pow(factor, i - perRound);
            else
                w[i] = initial * Math.Pow(factor, i - (perRound - 1) / 2.0);
        }
        return w;
    }

    /// <summary>Records a round's weights and whether each one's minimiser reached the goal.</summary>
    public void Record(ReadOnlySpan<double> weights, ReadOnlySpan<bool> reached)
    {
        for (int i = 0; i < weights.Length; i++)
            if (reached[i] && weights[i] > Succeeded) Succeeded = weights[i];
        // A failure at or below the best success says nothing about the bracket (non-monotone success).
        if (Failed <= Succeeded) Failed = double.PositiveInfinity;
        for (int i = 0; i < weights.Length; i++)
            if (!reached[i] && weights[i] > Succeeded && weights[i] < Failed) Failed = weights[i];
        Rounds++;
    }

    /// <summary>
    /// Whether the search is over: the bracket is within <paramref name="tolerance"/> (hi/lo ≤ 1 +
    /// tolerance), or every weight down to <paramref name="minimum"/> failed, or weights up to
    /// <paramref name="maximum"/> succeed, or <paramref name="maxRounds"/> rounds were made.
    /// </summary>
    public bool Finished(double tolerance, double minimum, double maximum, int maxRounds) =>
        Stop(tolerance, minimum, maximum, maxRounds) is not null;

    /// <summary>
    /// Why the search is over, by the tests of <see cref="Finished"/>; null while it goes on. When
    /// the last round both settles the search and is the last allowed, the settling reason wins.
    /// </summary>
    public AttackStopReason? Stop(double tolerance, double minimum, double maximum, int maxRounds) =>
        Succeeded > 0 && Failed <= Succeeded * (1 + tolerance) ? AttackStopReason.WeightConverged
        : Succeeded == 0 && Failed <= minimum ? AttackStopReason.MinWeightReached
        : double.IsPositiveInfinity(Failed) && Succeeded >= maximum ? AttackStopReason.MaxWeightReached
        : Rounds >= maxRounds ? AttackStopReason.MaxRounds
        : null;
}
