using System.Text;
using System.Text.Json;
using IlgpuBlindSpots.Optimizer.Statistics;
using IlgpuBlindSpots.Optimizer.Units;

namespace IlgpuBlindSpots.Cli.UnitRuns;

/// <summary>
/// <c>units.json</c> (every direction's top images, labels, projections and measures, and the
/// statistics) and <c>units.md</c> (the comparison tables and the grids) of a units run.
/// </summary>
internal static class UnitsReport
{
    public const string JsonFile = "units.json", MarkdownFile = "units.md", NaturalGrid = "natural.png", RandomGrid = "random.png";

    /// <summary>Writes units.json and units.md into <paramref name="folder"/>.</summary>
    /// <param name="folder">The output folder.</param>
    /// <param name="result">The analysis.</param>
    /// <param name="run">What was run, in order: command, model, data, device, ….</param>
    /// <param name="firstIndex">Data-set index of the analysed set's first image, so that reported indices are the data set's.</param>
    /// <param name="shown">Directions shown in the natural and random grids.</param>
    public static void Write(string folder, UnitAnalysisResult result, IReadOnlyDictionary<string, string> run, int firstIndex,
        (int Natural, int Random) shown)
    {
        var options = new JsonSerializerOptions
        {
            WriteIndented = true,
            NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        };
        object Direction(DirectionOutcome o) => new Dictionary<string, object>
        {
            [o.Kind == DirectionKind.Natural ? "unit" : "number"] = o.Number,
            ["images"] = o.Images.Select(r => r + firstIndex).ToArray(),
            ["labels"] = o.Labels,
            ["projections"] = o.Projections,
            ["purity"] = o.Purity,
            ["similarity"] = o.Similarity,
            ["centered_similarity"] = o.CenteredSimilarity,
            ["tied"] = o.Tied,
        };
        var json = new Dictionary<string, object>
        {
            ["run"] = run,
            ["layer"] = new { position = result.Layer.Position, spec = result.Layer.Spec, shape = result.Layer.Shape, units = result.Layer.Units },
            ["images"] = result.Images,
            ["top"] = result.Options.Top,
            ["confidence"] = result.Options.Confidence,
            ["purity"] = Comparison(result.Purity),
            ["similarity"] = Comparison(result.Similarity),
            ["centered_similarity"] = Comparison(result.CenteredSimilarity),
            ["natural"] = result.Natural.Select(Direction).ToArray(),
            ["random"] = result.Random.Select(Direction).ToArray(),
        };
        AtomicFile.Write(Path.Combine(folder, JsonFile), s => JsonSerializer.Serialize(s, json, options));
        string markdown = Markdown(result, run, shown);
        AtomicFile.Write(Path.Combine(folder, MarkdownFile), s =>
        {
            using var w = new StreamWriter(s, new UTF8Encoding(false), leaveOpen: true);
            w.Write(markdown);
        });
    }

    /// <summary>The comparison table rows and their explanation, as units.md and docs show them.</summary>
    public static string Markdown(UnitAnalysisResult result, IReadOnlyDictionary<string, string> run, (int Natural, int Random) shown)
    {
        var inv = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        var layer = result.Layer;
        md.AppendLine(inv, $"# Units of layer {layer.Position} ({layer.Spec})").AppendLine();
        foreach (var (key, value) in run) md.AppendLine(inv, $"- {key}: `{value}`");
        md.AppendLine(inv, $"- layer: {layer.Position} `{layer.Spec}`, output {string.Join("×", layer.Shape)} = {layer.Units} units");
        md.AppendLine(inv, $"- images: {result.Images}; top k = {result.Options.Top} per direction");
        int tiedNatural = result.Natural.Count(o => o.Tied), tiedRandom = result.Random.Count(o => o.Tied);
        md.AppendLine(inv, $"- directions: {result.Natural.Count} natural (units), {result.Random.Count} random; tied (all k projections equal, left out): {tiedNatural} natural, {tiedRandom} random");
        md.AppendLine();
        md.AppendLine(Table(result));
        md.AppendLine(string.Create(inv, $"Mean ± half-width of the {100 * result.Options.Confidence:F0}% Student-t interval over directions. ") +
            "Purity: share of a direction's top k images carrying their most common label. " +
            "Similarity: mean pairwise cosine similarity of their activation vectors φ(x); centred: of φ(x) minus the set's mean activation, where unrelated images give about 0. " +
            "Chance: groups of k images drawn at random. " +
            "Welch: two-sided t-test of natural − random; permutation: two-sided test of the same difference of means.");
        md.AppendLine();
        if (shown.Natural > 0)
            md.AppendLine(inv, $"Natural directions (the first {shown.Natural} untied units shown, one per column, best image on top):").AppendLine()
              .AppendLine(inv, $"![top images of natural directions]({NaturalGrid})").AppendLine();
        if (shown.Random > 0)
            md.AppendLine(inv, $"Random directions (the first {shown.Random}):").AppendLine()
              .AppendLine(inv, $"![top images of random directions]({RandomGrid})").AppendLine();
        return md.ToString();
    }

    /// <summary>The comparison table: purity, similarity, centred similarity.</summary>
    public static string Table(UnitAnalysisResult result)
    {
        var md = new StringBuilder();
        md.AppendLine("| measure | natural | random | chance (random images) | natural − random [CI] | Welch t (ν) | p Welch | p permutation |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var c in new[] { result.Purity, result.Similarity, result.CenteredSimilarity })
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {c.Measure} | {Interval(c.Natural)} | {Interval(c.Random)} | {Interval(c.RandomImages)} | {c.Welch.Difference:+0.000;-0.000;0.000} [{c.Welch.Low:0.000}, {c.Welch.High:0.000}] | {c.Welch.T:0.00} ({c.Welch.DegreesOfFreedom:0}) | {P(c.Welch.P)} | {P(c.PermutationP)} |");
        return md.ToString();
    }

    /// <summary><c>mean ± half-width (n)</c>.</summary>
    public static string Interval(MeanInterval i) =>
        string.Create(CultureInfo.InvariantCulture, $"{i.Mean:0.000} ± {i.HalfWidth:0.000} (n = {i.Count})");

    private static string P(double p) => p.ToString(p < 1e-3 ? "0.0e+0" : "0.000", CultureInfo.InvariantCulture);

    private static object Comparison(MeasureComparison c) => new
    {
        measure = c.Measure,
        natural = IntervalJson(c.Natural),
        random = IntervalJson(c.Random),
        chance = IntervalJson(c.RandomImages),
        welch = new { difference = c.Welch.Difference, t = c.Welch.T, df = c.Welch.DegreesOfFreedom, p = c.Welch.P, low = c.Welch.Low, high = c.Welch.High },
        permutation_p = c.PermutationP,
    };

    private static object IntervalJson(MeanInterval i) => new
    {
        n = i.Count, mean = i.Mean, sd = i.StandardDeviation, low = i.Low, high = i.High,
    };
}
