namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// The minimal-norm attacks by name, with the settings they are compared at (Bench/RESULTS.md,
/// attacks): the members a best-of may hold, and the rows of the attack benchmark.
/// </summary>
public static class NamedAttacks
{
    /// <summary>Every name <see cref="Create"/> knows.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["lbfgs", "lbfgs-refined", "lbfgs-margin", "cw", "ddn", "fmn", "fmn-deepfool", "fmn-published"];

    /// <summary>
    /// The best-of's default members: the two that gave the smallest perturbations for their cost
    /// on fc100-100-10 (Bench/RESULTS.md, attacks).
    /// </summary>
    public static IReadOnlyList<string> DefaultBest { get; } = ["lbfgs-refined", "fmn"];

    /// <summary>
    /// The L-BFGS attack's refined setting: a coarser weight search (to 50%) followed by the
    /// bisection to the boundary and 30 FMN steps: about 80 evaluations per example on
    /// fc100-100-10 (the paper's search to 5% takes about 76) for a 2% smaller mean distortion.
    /// </summary>
    public static LbfgsAttackOptions RefinedLbfgs(int batchSize, AttackLossKind loss = AttackLossKind.CrossEntropy, int refineSteps = 30) => new()
    {
        BatchSize = batchSize,
        WeightTolerance = 0.5,
        Loss = loss,
        Confidence = loss == AttackLossKind.Margin ? 1 : 0,
        Refinement = new FmnOptions { Steps = refineSteps, InitSteps = 0, StepSize = RefineStepSize, FinalBisectionSteps = 0 },
    };

    /// <summary>
    /// FMN's first step in the refinement: a tenth of FMN's own, since the start is already a
    /// near-minimal perturbation.
    /// </summary>
    public const double RefineStepSize = 0.1;

    /// <summary>
    /// The attack named <paramref name="spec"/>, NAME or NAME:STEPS (the steps of C&amp;W's rounds,
    /// DDN, FMN, or the L-BFGS refinement), with published defaults otherwise.
    /// </summary>
    /// <exception cref="BlindSpotsException">An unknown name, or steps that are not a positive integer.</exception>
    public static Attack Create(string spec, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(spec);
        string[] parts = spec.Trim().ToLowerInvariant().Split(':');
        if (parts.Length > 2 || !Names.Contains(parts[0]))
            throw new BlindSpotsException($"'{spec}' is not one of {string.Join(", ", Names)} (optionally NAME:STEPS)");
        int? steps = null;
        if (parts.Length == 2)
        {
            if (!int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int s) || s < 1)
                throw new BlindSpotsException($"'{spec}': the steps after ':' must be a positive integer");
            steps = s;
        }
        return parts[0] switch
        {
            "lbfgs" => new LbfgsAttack(new LbfgsAttackOptions { BatchSize = batchSize }),
            "lbfgs-refined" => new LbfgsAttack(RefinedLbfgs(batchSize, AttackLossKind.CrossEntropy, steps ?? 30)),
            "lbfgs-margin" => new LbfgsAttack(RefinedLbfgs(batchSize, AttackLossKind.Margin, steps ?? 30)),
            "cw" => new CwAttack(new CwOptions { BatchSize = batchSize, Steps = steps ?? 1000 }),
            "ddn" => new DdnAttack(new DdnOptions { BatchSize = batchSize, Steps = steps ?? 100 }),
            "fmn" => new FmnAttack(new FmnOptions { BatchSize = batchSize, Steps = steps ?? 100 }),
            "fmn-deepfool" => new FmnAttack(new FmnOptions { BatchSize = batchSize, Steps = steps ?? 100, Start = FmnStart.DeepFool }),
            _ => new FmnAttack(new FmnOptions { BatchSize = batchSize, Steps = steps ?? 100, Start = FmnStart.Input, FinalBisectionSteps = 0 }),
        };
    }

    /// <summary>The best-of over <paramref name="specs"/> (names as <see cref="Create"/> takes them), each result named by its spec.</summary>
    /// <exception cref="BlindSpotsException">A bad spec, or one given twice.</exception>
    public static BestOfAttack Best(IEnumerable<string> specs, int batchSize)
    {
        var members = specs.Select(s => (s.Trim().ToLowerInvariant(), Create(s, batchSize))).ToList();
        return new BestOfAttack(members, batchSize);
    }
}
