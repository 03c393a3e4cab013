using IlgpuBlindSpots.Optimizer.Attacks;

namespace IlgpuBlindSpots.Cli.Commands;

/// <summary>
/// <c>attack --method</c>: the attack each method name builds from the command line's options,
/// after checking their ranges (a bad one is one line naming the option).
/// </summary>
internal static class AttackMethods
{
    public static Attack Build(AttackArguments o, int batch)
    {
        CheckRanges(o);
        string method = o.Method.ToLowerInvariant();
        double Need(double? v, string name) => v is > 0 and < double.PositiveInfinity ? v.Value
            : throw new BlindSpotsException($"--method {o.Method} needs --{name} > 0");
        return method switch
        {
            "lbfgs" => new LbfgsAttack(Lbfgs(o, batch, ParseLoss(o.Loss), o.Refine ?? 0)),
            "cw" => new CwAttack(Cw(o, batch, o.Steps)),
            "ddn" => new DdnAttack(Ddn(o, batch, o.Steps)),
            "fmn" => new FmnAttack(Fmn(o, batch, o.Steps)),
            "best" => Best(o, batch),
            "noise" => new GaussianNoiseAttack(Need(o.StdDev, "stddev"), o.Seed, batch),
            "fgsm" => new FgsmAttack(Need(o.Epsilon, "epsilon"), batch),
            "pgd-linf" => new PgdAttack(Distance.LInf, Need(o.Epsilon, "epsilon"), o.Steps ?? 40, o.StepSize, true, o.Seed, batch),
            "pgd-l2" => new PgdAttack(Distance.L2, Need(o.Epsilon, "epsilon"), o.Steps ?? 40, o.StepSize, true, o.Seed, batch),
            _ => throw new BlindSpotsException($"--method '{o.Method}': expected lbfgs, cw, ddn, fmn, best, noise, fgsm, pgd-linf or pgd-l2"),
        };
    }

    /// <summary>The method's settings for the run's description (run.json, the report).</summary>
    public static void Describe(AttackArguments o, IDictionary<string, string> d)
    {
        string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        // The batch does not change what is described.
        switch (Build(o, 1))
        {
            case LbfgsAttack a:
                d["tolerance"] = F(a.Options.WeightTolerance);
                d["loss"] = a.Options.Loss == AttackLossKind.Margin ? "margin" : "ce";
                if (a.Options.Refinement is { } r) d["refine"] = $"{r.BisectionSteps} bisection steps, {r.Steps} FMN steps";
                break;
            case CwAttack a:
                d["steps"] = $"{a.Options.BinarySteps} binary steps x {a.Options.Steps}";
                d["step_size"] = F(a.Options.StepSize);
                d["initial_const"] = F(a.Options.InitialConst);
                d["confidence"] = F(a.Options.Confidence);
                d["abort_early"] = a.Options.AbortEarly ? "yes" : "no";
                break;
            case DdnAttack a:
                d["steps"] = a.Options.Steps.ToString(CultureInfo.InvariantCulture);
                d["gamma"] = F(a.Options.Gamma);
                d["init_norm"] = F(a.Options.InitialNorm);
                d["step_size"] = F(a.Options.StepSize);
                break;
            case FmnAttack a:
                d["steps"] = a.Options.Steps.ToString(CultureInfo.InvariantCulture);
                d["gamma"] = F(a.Options.Gamma);
                d["step_size"] = F(a.Options.StepSize);
                var (start, startSteps, bisection) = a.Options.StartFor(o.Target.Equals("untargeted", StringComparison.OrdinalIgnoreCase));
                d["start"] = start.ToString().ToLowerInvariant();
                d["init_steps"] = startSteps.ToString(CultureInfo.InvariantCulture);
                d["bisection_steps"] = bisection.ToString(CultureInfo.InvariantCulture);
                d["final_bisection_steps"] = a.Options.FinalBisectionSteps.ToString(CultureInfo.InvariantCulture);
                d["norm"] = a.Options.Norm == Distance.LInf ? "linf" : "l2";
                break;
            case BestOfAttack a:
                d["methods"] = string.Join(",", a.Names);
                break;
            case GaussianNoiseAttack:
                d["stddev"] = F(o.StdDev ?? 0);
                break;
            default:
                d["epsilon"] = F(o.Epsilon ?? 0);
                if (o.Method.StartsWith("pgd", StringComparison.OrdinalIgnoreCase)) d["steps"] = (o.Steps ?? 40).ToString(CultureInfo.InvariantCulture);
                break;
        }
    }

    private static LbfgsAttackOptions Lbfgs(AttackArguments o, int batch, AttackLossKind loss, int refine) => new()
    {
        BatchSize = batch,
        WeightTolerance = o.Tolerance,
        Loss = loss,
        Confidence = o.Confidence ?? 0,
        Refinement = refine > 0 ? new FmnOptions
        {
            Steps = refine, InitSteps = 0, BisectionSteps = o.BisectionSteps ?? 10,
            StepSize = NamedAttacks.RefineStepSize,
        } : null,
    };

    private static CwOptions Cw(AttackArguments o, int batch, int? steps) => new()
    {
        BatchSize = batch,
        Steps = steps ?? 1000,
        BinarySteps = o.BinarySteps ?? 9,
        StepSize = o.StepSize ?? 0.01,
        InitialConst = o.InitialConst ?? 1e-3,
        Confidence = o.Confidence ?? 0,
        AbortEarly = !o.NoAbortEarly,
    };

    private static DdnOptions Ddn(AttackArguments o, int batch, int? steps) => new()
    {
        BatchSize = batch,
        Steps = steps ?? 100,
        Gamma = o.Gamma ?? 0.05,
        InitialNorm = o.InitNorm ?? 1,
        StepSize = o.StepSize ?? 1,
        FinalStepSize = (o.StepSize ?? 1) / 100,
    };

    private static FmnOptions Fmn(AttackArguments o, int batch, int? steps) => new()
    {
        BatchSize = batch,
        Steps = steps ?? 100,
        Gamma = o.Gamma ?? 0.05,
        FinalGamma = Math.Min(0.001, o.Gamma ?? 0.05),
        StepSize = o.StepSize ?? 1,
        FinalStepSize = (o.StepSize ?? 1) / 100,
        Start = ParseStart(o.Start),
        InitSteps = o.InitSteps,
        BisectionSteps = o.BisectionSteps ?? 10,
        FinalBisectionSteps = o.FinalBisectionSteps ?? 10,
        Norm = ParseNorm(o.Norm),
    };

    private static FmnStart ParseStart(string? start) => (start ?? "auto").ToLowerInvariant() switch
    {
        "auto" => FmnStart.Auto,
        "deepfool" => FmnStart.DeepFool,
        "ddn" => FmnStart.Ddn,
        "input" => FmnStart.Input,
        _ => throw new BlindSpotsException($"--start '{start}': expected auto, deepfool, ddn or input"),
    };

    private static Distance ParseNorm(string? norm) => (norm ?? "l2").ToLowerInvariant() switch
    {
        "l2" => Distance.L2,
        "linf" => Distance.LInf,
        _ => throw new BlindSpotsException($"--norm '{norm}': expected l2 or linf"),
    };

    /// <summary>The best-of over <c>--methods</c> (default <see cref="NamedAttacks.DefaultBest"/>), each member by its name.</summary>
    private static BestOfAttack Best(AttackArguments o, int batch)
    {
        var specs = o.Methods?.Split(',', StringSplitOptions.TrimEntries) ?? NamedAttacks.DefaultBest.ToArray();
        try
        {
            return NamedAttacks.Best(specs, batch);
        }
        catch (BlindSpotsException e)
        {
            throw new BlindSpotsException($"--methods: {e.Message}");
        }
    }

    private static AttackLossKind ParseLoss(string loss) => loss.ToLowerInvariant() switch
    {
        "ce" => AttackLossKind.CrossEntropy,
        "margin" => AttackLossKind.Margin,
        _ => throw new BlindSpotsException($"--loss '{loss}': expected ce or margin"),
    };

    private static void CheckRanges(AttackArguments o)
    {
        static void Check(bool ok, string option, object? value, string range)
        {
            if (!ok) throw new BlindSpotsException(string.Create(CultureInfo.InvariantCulture, $"--{option} {value} is out of range: it must be {range}"));
        }
        Check(o.Tolerance is > 0 and < 1, "tolerance", o.Tolerance, "in (0, 1)");
        Check(o.Steps is null or >= 1, "steps", o.Steps, "at least 1");
        Check(o.StepSize is null || (o.StepSize > 0 && double.IsFinite(o.StepSize.Value)), "step-size", o.StepSize, "positive");
        Check(o.Gamma is null or > 0 and < 1, "gamma", o.Gamma, "in (0, 1)");
        Check(o.InitNorm is null || (o.InitNorm > 0 && double.IsFinite(o.InitNorm.Value)), "init-norm", o.InitNorm, "positive");
        Check(o.BinarySteps is null or >= 1, "binary-steps", o.BinarySteps, "at least 1");
        Check(o.InitialConst is null || (o.InitialConst > 0 && double.IsFinite(o.InitialConst.Value)), "initial-const", o.InitialConst, "positive");
        Check(o.Confidence is null || (o.Confidence >= 0 && double.IsFinite(o.Confidence.Value)), "confidence", o.Confidence, "0 or more");
        Check(o.InitSteps is null or >= 0, "init-steps", o.InitSteps, "0 or more");
        Check(o.BisectionSteps is null or >= 0, "bisection-steps", o.BisectionSteps, "0 or more");
        Check(o.FinalBisectionSteps is null or >= 0, "final-bisection-steps", o.FinalBisectionSteps, "0 or more");
        Check(o.Refine is null or >= 0, "refine", o.Refine, "0 or more");
        ParseLoss(o.Loss);
        ParseNorm(o.Norm);
        ParseStart(o.Start);
        if (o.Norm is not null && !o.Method.Equals("fmn", StringComparison.OrdinalIgnoreCase))
            throw new BlindSpotsException("--norm is for --method fmn");
        if (o.Start is not null && !o.Method.Equals("fmn", StringComparison.OrdinalIgnoreCase))
            throw new BlindSpotsException("--start is for --method fmn");
        if (o.Methods is not null && !o.Method.Equals("best", StringComparison.OrdinalIgnoreCase))
            throw new BlindSpotsException("--methods is for --method best");
    }
}
