using System.Text;
using System.Text.Json;

namespace IlgpuBlindSpots.Cli.AttackRuns;

/// <summary>
/// What a set of results adds up to: <c>summary.json</c>, <c>report.md</c> and two plots
/// (distribution of the distortion; success rate against the allowed distortion). Written from
/// the results alone, so a resumed run and a merge of shards produce the same report.
/// </summary>
internal static class AttackReport
{
    public const string SummaryFile = "summary.json", ReportFile = "report.md",
        HistogramFile = "distortion-histogram.png", SuccessCurveFile = "success-vs-distortion.png";

    public sealed record Summary(
        int Examples, int AlreadyMisclassified, int Attacked, int Succeeded, double SuccessRate,
        double MeanDistortion, double MedianDistortion, double MeanL2, double MeanLInf, double MeanC,
        double MeanIterations, double MeanEvaluations, double Seconds, double ExamplesPerSecond,
        double? MeanCertifiedL2, double? MedianFoundToCertified, string CertifiedRadius, IReadOnlyList<ClassRow> PerClass);

    /// <summary>What the summary says of the certified radius when no record has one: the bound exists for chains only.</summary>
    public const string CertifiedUnavailable = "not available for graph models (the Lipschitz bound is computed layer by layer, for a chain of layers only)";

    public sealed record ClassRow(int Label, int Attacked, int Succeeded, double MeanDistortion);

    public static Summary Summarise(IReadOnlyList<ResultRecord> results)
    {
        var attacked = results.Where(r => !r.AlreadyMisclassified).ToList();
        var won = attacked.Where(r => r.Success).ToList();
        double seconds = results.Sum(r => r.Seconds);
        // A graph model's records carry no certified radius: its summary says so instead of averaging nothing into NaN.
        bool certified = attacked.Any(r => r.CertifiedL2.HasValue);
        return new Summary(
            results.Count, results.Count - attacked.Count, attacked.Count, won.Count,
            attacked.Count == 0 ? 0 : (double)won.Count / attacked.Count,
            Mean(won.Select(r => r.Distortion)), Median(won.Select(r => r.Distortion).ToList()),
            Mean(won.Select(r => r.L2)), Mean(won.Select(r => r.LInf)),
            Mean(won.Where(r => r.C.HasValue).Select(r => r.C!.Value)),
            Mean(attacked.Select(r => (double)r.Iterations)), Mean(attacked.Select(r => (double)r.Evaluations)),
            seconds, seconds > 0 ? results.Count / seconds : 0,
            certified ? Mean(attacked.Where(r => r.CertifiedL2.HasValue).Select(r => r.CertifiedL2!.Value)) : null,
            certified ? Median(won.Where(r => r.CertifiedL2 is > 0).Select(r => r.L2 / r.CertifiedL2!.Value).ToList()) : null,
            certified ? "margin/(√2·L) from the network's upper Lipschitz bound L" : CertifiedUnavailable,
            attacked.GroupBy(r => r.Label).OrderBy(g => g.Key).Select(g => new ClassRow(
                g.Key, g.Count(), g.Count(r => r.Success), Mean(g.Where(r => r.Success).Select(r => r.Distortion)))).ToList());
    }

    /// <summary>Whether the run's description says the attack minimised the L∞ norm (fmn --norm linf).</summary>
    public static bool MinimisesLInf(IReadOnlyDictionary<string, string> run) =>
        run.TryGetValue("norm", out var norm) && norm == "linf";

    /// <summary>Writes summary, report and plots into <paramref name="folder"/>; <paramref name="title"/> heads the report.</summary>
    public static Summary Write(string folder, IReadOnlyList<ResultRecord> results, string title, IReadOnlyDictionary<string, string> run,
        string? figure)
    {
        var s = Summarise(results);
        AtomicFile.Write(Path.Combine(folder, SummaryFile), stream =>
            JsonSerializer.Serialize(stream, new { run, summary = s }, new JsonSerializerOptions
            {
                WriteIndented = true,
                NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
            }));
        var won = results.Where(r => !r.AlreadyMisclassified && r.Success).Select(r => r.Distortion).OrderBy(d => d).ToArray();
        AttackPlots.Histogram(Path.Combine(folder, HistogramFile), won);
        AttackPlots.SuccessCurve(Path.Combine(folder, SuccessCurveFile), won, s.Attacked);

        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        md.AppendLine($"# {title}").AppendLine();
        foreach (var (k, v) in run) md.AppendLine(inv, $"- {k}: `{v}`");
        md.AppendLine();
        md.AppendLine(inv, $"| examples | already misclassified | attacked | succeeded | success rate | mean distortion | median distortion | mean L2 | mean L∞ | mean c | evaluations / example | examples/s |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        md.AppendLine(inv, $"| {s.Examples} | {s.AlreadyMisclassified} | {s.Attacked} | {s.Succeeded} | {100 * s.SuccessRate:F1}% | {s.MeanDistortion:F4} | {s.MedianDistortion:F4} | {s.MeanL2:F3} | {s.MeanLInf:F4} | {s.MeanC:G3} | {s.MeanEvaluations:F1} | {s.ExamplesPerSecond:F1} |");
        md.AppendLine().AppendLine("Distortion is the paper's √(Σr²/n) over successful examples; an example the model already misclassifies is reported, not attacked.").AppendLine();
        if (MinimisesLInf(run))
            md.AppendLine("This attack minimised the L∞ norm maxᵢ |rᵢ| (`--norm linf`): mean L∞ is its measure; the distortion columns measure the same perturbations in the paper's way.").AppendLine();
        if (s.MeanCertifiedL2 is null) md.AppendLine(inv, $"Certified vs found: the certified radius is {CertifiedUnavailable}.").AppendLine();
        else md.AppendLine(inv, $"Certified vs found: from the network's upper Lipschitz bound, no L2 perturbation smaller than margin/(√2·L) can change a label; that certified radius averages {s.MeanCertifiedL2:G3} here, and the perturbations the attack found are a median {s.MedianFoundToCertified:F1}× larger (the gap between the paper's stability bound and the blind spots that exist).").AppendLine();
        md.AppendLine("| label | attacked | succeeded | mean distortion |").AppendLine("|---:|---:|---:|---:|");
        foreach (var c in s.PerClass) md.AppendLine(inv, $"| {c.Label} | {c.Attacked} | {c.Succeeded} | {c.MeanDistortion:F4} |");
        md.AppendLine();
        if (figure != null) md.AppendLine(inv, $"![original, perturbation magnified, adversarial]({figure})").AppendLine();
        md.AppendLine(inv, $"![distortion histogram]({HistogramFile}) ![success rate against allowed distortion]({SuccessCurveFile})");
        AtomicFile.Write(Path.Combine(folder, ReportFile), stream =>
        {
            using var w = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true);
            w.Write(md.ToString());
        });
        return s;
    }

    private static double Mean(IEnumerable<double> values)
    {
        double sum = 0;
        int n = 0;
        foreach (double v in values) { sum += v; n++; }
        return n == 0 ? double.NaN : sum / n;
    }

    private static double Median(List<double> values)
    {
        if (values.Count == 0) return double.NaN;
        values.Sort();
        int m = values.Count / 2;
        return values.Count % 2 == 1 ? values[m] : (values[m - 1] + values[m]) / 2;
    }
}
