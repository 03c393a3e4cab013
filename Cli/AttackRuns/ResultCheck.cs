namespace IlgpuBlindSpots.Cli.AttackRuns;

/// <summary>
/// Whether one row of <c>results.jsonl</c> could have been written by this program for its run:
/// the index inside the run's slice, label, target and predictions inside the classes, distortions
/// finite and non-negative, and success, prediction and "already misclassified" agreeing with each
/// other as the attack defines them. Answers the first wrong field and what is wrong with it.
/// </summary>
internal static class ResultCheck
{
    public static (string Field, string Problem)? FirstProblem(ResultRecord r, RunScope scope)
    {
        var inv = CultureInfo.InvariantCulture;
        if (!scope.Contains(r.Index))
            return ("index", scope.Count == 0 ? string.Create(inv, $"{r.Index}, but the run covers no example")
                : string.Create(inv, $"{r.Index} is outside the run's examples {scope.First}..{scope.Last}"));
        string classes = string.Create(inv, $"the classes 0..{scope.Classes - 1}");
        if (!InClasses(r.Label, scope)) return ("label", string.Create(inv, $"{r.Label} is outside {classes}"));
        if (r.Target != -1 && !InClasses(r.Target, scope))
            return ("target", string.Create(inv, $"{r.Target} is neither -1 (untargeted) nor inside {classes}"));
        if (r.Target == r.Label) return ("target", string.Create(inv, $"{r.Target} is the example's own label"));
        if (!InClasses(r.PredictionBefore, scope)) return ("prediction_before", string.Create(inv, $"{r.PredictionBefore} is outside {classes}"));
        if (!InClasses(r.PredictionAfter, scope)) return ("prediction_after", string.Create(inv, $"{r.PredictionAfter} is outside {classes}"));
        if (r.AlreadyMisclassified != (r.PredictionBefore != r.Label))
            return ("already_misclassified", string.Create(inv, $"{Lower(r.AlreadyMisclassified)} disagrees with label {r.Label} and prediction_before {r.PredictionBefore}"));
        if (r.AlreadyMisclassified && r.Success)
            return ("success", "true for an example that was not attacked (already misclassified)");
        bool reached = r.Target >= 0 ? r.PredictionAfter == r.Target : r.PredictionAfter != r.Label;
        if (!r.AlreadyMisclassified && r.Success != reached)
            return ("success", string.Create(inv, $"{Lower(r.Success)} disagrees with target {r.Target}, label {r.Label} and prediction_after {r.PredictionAfter}"));
        return Measure("distortion", r.Distortion) ?? Measure("l2", r.L2) ?? Measure("linf", r.LInf)
            ?? Measure("c", r.C ?? 0) ?? Measure("certified_l2", r.CertifiedL2 ?? 0) ?? Measure("seconds", r.Seconds)
            ?? Count("iterations", r.Iterations) ?? Count("evaluations", r.Evaluations);
    }

    private static (string Field, string Problem)? Count(string field, int value) =>
        value >= 0 ? null : (field, string.Create(CultureInfo.InvariantCulture, $"{value} is negative"));

    private static bool InClasses(int c, RunScope scope) => c >= 0 && c < scope.Classes;

    private static string Lower(bool b) => b ? "true" : "false";

    private static (string Field, string Problem)? Measure(string field, double value) =>
        double.IsFinite(value) && value >= 0 ? null
            : (field, $"{value.ToString("R", CultureInfo.InvariantCulture)} is not a finite non-negative number");
}
