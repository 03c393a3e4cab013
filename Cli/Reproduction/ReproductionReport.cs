using System.Reflection;
using System.Text;
using IlgpuBlindSpots.Cli.AttackRuns;
using IlgpuBlindSpots.Cli.Transfer;
using IlgpuBlindSpots.Optimizer.Transfer;

namespace IlgpuBlindSpots.Cli.Reproduction;

/// <summary>
/// <c>REPORT.md</c> of a reproduction: the paper's Tables 1–4 with every cell as "paper | here", a
/// check of each of the paper's claims against the numbers measured, the figures, and what ran
/// where and for how long. Everything here is read from the run's own outputs: the models' training
/// records, the attacks' results and the transfer matrices.
/// </summary>
internal sealed class ReproductionReport(
    ReproductionProfile profile, string data, int? maxEpochs, string outDir, string device, string commandLine, StageClock clock,
    IReadOnlyDictionary<string, string> modelFiles, IReadOnlyDictionary<string, string> attackDirs,
    TransferMatrix table2, TransferMatrix table4, IReadOnlyList<(string File, string Caption)> figure7)
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>"Well above" the noise baseline: at least twice its rate and at least this many points more.</summary>
    public const double MarginPoints = 0.05;

    public void Write(string path)
    {
        var md = new StringBuilder();
        Header(md);
        Table1(md);
        Table2(md);
        Table3(md);
        Table4(md);
        Figures(md);
        Timing(md);
        AtomicFile.Write(path, s =>
        {
            using var w = new StreamWriter(s, new UTF8Encoding(false), leaveOpen: true);
            w.Write(md.ToString());
        });
    }

    private void Header(StringBuilder md)
    {
        md.AppendLine(Inv, $"# Intriguing properties of neural networks, reproduced on {data}").AppendLine();
        md.AppendLine(Inv, $"> **{profile.Label}.**").AppendLine();
        md.AppendLine("Szegedy et al. (2013), arXiv:1312.6199: minimal adversarial perturbations found by box-constrained L-BFGS (Table 1), their transfer to other architectures (Table 2) and to networks trained on disjoint data (Tables 3 and 4). Every cell reads **paper | here**; the paper's numbers are transcribed from its v4 tables. Distortion is the paper's √(Σr²/n) over the successful examples; attacks target (y+1) mod 10 on the first test examples; an example the model already misclassifies is not attacked. Error rates in the transfer tables are the share of a set's inputs the column model does not give their true label.").AppendLine();
        if (maxEpochs is { } cap)
            md.AppendLine(Inv, $"> Every model's epochs are capped at {cap} (`--max-epochs {cap}`): fewer than the profile's recipes where those ask for more.").AppendLine();
        if (!data.Equals("mnist", StringComparison.OrdinalIgnoreCase))
            md.AppendLine(Inv, $"> The paper's numbers are for MNIST; beside results on {data} they are a point of reference, not a target.").AppendLine();
        md.AppendLine(Inv, $"- command: `{commandLine}`");
        md.AppendLine(Inv, $"- date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        md.AppendLine(Inv, $"- device: {device}");
        md.AppendLine(Inv, $"- versions: blindspots {Version(typeof(ReproductionReport).Assembly)}, ILGPU {Version(typeof(ILGPU.Context).Assembly)}, .NET {Environment.Version}");
        double total = clock.Times.Sum(t => t.Seconds);
        md.AppendLine(Inv, $"- wall time: {StageClock.Format(TimeSpan.FromSeconds(total))} over all stages (including any earlier, interrupted runs into this folder); this run {StageClock.Format(clock.Elapsed)}");
        md.AppendLine();
    }

    private void Table1(StringBuilder md)
    {
        md.AppendLine("## Table 1: the models and their minimal adversarial distortion").AppendLine();
        md.AppendLine("| model | paper's model | train error (paper \\| here) | test error (paper \\| here) | mean minimal distortion (paper \\| here) | within ±30% | attacked | success |");
        md.AppendLine("|---|---|---:|---:|---:|---|---:|---:|");
        var rows = profile.Table1.Select(m => (Recipe: m, Record: Record(m.Name), Summary: Summary(m.Name))).ToList();
        foreach (var (m, record, s) in rows)
        {
            var p = PaperNumbers.Table1[m.PaperName];
            double ratio = s.MeanDistortion / p.Distortion - 1;
            md.AppendLine(Inv, $"| {m.Name} | {m.PaperName} | {Pct(p.Train)} \\| **{record.GetValueOrDefault("train_error", "?")}** | {Pct(p.Test)} \\| **{record.GetValueOrDefault("test_error", "?")}** | {p.Distortion:F3} \\| **{s.MeanDistortion:F4}** | {(Math.Abs(ratio) <= 0.3 ? "yes" : "no")} ({SignedPercent(ratio)}) | {s.Attacked} | {Pct(s.SuccessRate)} |");
        }
        md.AppendLine();
        var failed = rows.Where(r => r.Summary.SuccessRate < 1).Select(r => $"{r.Recipe.Name} ({Pct(r.Summary.SuccessRate)})").ToList();
        md.AppendLine(failed.Count == 0
            ? "- Every model was attacked with 100% success."
            : $"- Not every attack succeeded: {string.Join(", ", failed)}.");
        int within = rows.Count(r => Math.Abs(r.Summary.MeanDistortion / PaperNumbers.Table1[r.Recipe.PaperName].Distortion - 1) <= 0.3);
        md.AppendLine(Inv, $"- Mean distortion within ±30% of the paper's: {within} of {rows.Count} models.");
        var fc10 = rows.Where(r => r.Recipe.PaperName.StartsWith("FC10(", StringComparison.Ordinal)).Select(r => r.Summary.MeanDistortion).ToList();
        bool increasing = fc10.Zip(fc10.Skip(1)).All(pair => pair.First < pair.Second);
        md.AppendLine(Inv, $"- FC10 distortion against λ = 1e-4, 1e-2, 1: {string.Join(" < ", fc10.Select(d => d.ToString("F4", Inv)))} — {(increasing ? "increases with λ, as in the paper" : "does **not** increase with λ as in the paper")}.");
        md.AppendLine();
    }

    private void Table2(StringBuilder md)
    {
        md.AppendLine("## Table 2: cross-model generalization").AppendLine();
        md.AppendLine("Rows: the adversarial examples made for each model, then Gaussian noise (clipped into [0, 1]) on the same clean inputs; columns: the model they are fed to; last column: the set's mean distortion as measured on these inputs.").AppendLine();
        var paperColumn = profile.Table1.Select(m => Array.IndexOf(PaperNumbers.Table2Models, m.PaperName)).ToArray();
        md.Append(TransferTables.Markdown(table2, (r, c) =>
        {
            string? key = r < profile.Table1.Count ? profile.Table1[r].PaperName : NoiseKey(table2.Rows[r]);
            return key != null && PaperNumbers.Table2.TryGetValue(key, out var row) && paperColumn[c] >= 0 ? row[paperColumn[c]] : null;
        }));
        md.AppendLine().AppendLine("![Table 2 heat map](transfer-table2/transfer.png)").AppendLine();

        var noise = Enumerable.Range(0, table2.Rows.Count).Where(r => table2.Rows[r].Kind == TransferRowKind.GaussianNoise).ToList();
        int n = profile.Table1.Count, holds = 0, cells = 0;
        var fails = new List<string>();
        bool diagonal = true;
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++)
            {
                double rate = table2.ErrorRates[r, c];
                if (r == c) { diagonal &= rate >= 1; continue; }
                int baseline = NoiseRowFor(table2, noise, table2.Rows[r].MeanDistortion);
                double against = table2.ErrorRates[baseline, c];
                cells++;
                if (rate >= 2 * against && rate - against >= MarginPoints) holds++;
                else fails.Add($"{table2.Rows[r].Name} → {table2.Models[c]}: {Pct(rate)} vs {Pct(against)} for {table2.Rows[baseline].Name}");
            }
        int above = 0;
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++)
                if (r != c && table2.ErrorRates[r, c] > table2.ErrorRates[NoiseRowFor(table2, noise, table2.Rows[r].MeanDistortion), c]) above++;
        var (paperHolds, paperCells) = PaperTable2Claim(profile.Table1.Select(m => m.PaperName).ToList());
        md.AppendLine(Inv, $"- Diagonal: {(diagonal ? "100% in every cell" : "**not** 100% everywhere")}.");
        md.AppendLine(Inv, $"- The paper's central claim, adversarial examples transfer far more than noise: an off-diagonal cell holds it when its rate is at least twice, and {MarginPoints * 100:F0} points above, the rate that Gaussian noise of the same or larger nominal size (the smallest noise row with stddev ≥ the set's distortion) induces on the same model. It holds in **{holds} of {cells}** cells here (strictly above the noise rate at all: {above} of {cells}); by the same rule the paper's own Table 2 holds it in {paperHolds} of {paperCells}. Where it fails, the noise rate is mostly the column model's own error on clean inputs, which no perturbation needs to cause.");
        foreach (var f in fails) md.AppendLine(Inv, $"  - does not hold: {f}");
        md.AppendLine();
    }

    private void Table3(StringBuilder md)
    {
        md.AppendLine("## Table 3: models trained on disjoint halves of the training set").AppendLine();
        md.AppendLine("P1 and P2 are the two halves of the training examples. The paper's second P1 model was an FC123-456-10; here it is the same FC100-100-10 trained with another seed, so that the two P1 models differ only in their initialisation; cells are matched by role.").AppendLine();
        md.AppendLine("| model | training data | paper's model | train error (paper \\| here) | test error (paper \\| here) | mean minimal distortion (paper \\| here) |");
        md.AppendLine("|---|---|---|---:|---:|---:|");
        for (int i = 0; i < profile.Table3.Count; i++)
        {
            var m = profile.Table3[i];
            var p = PaperNumbers.Table3[i];
            var record = Record(m.Name);
            var s = Summary(m.Name);
            md.AppendLine(Inv, $"| {m.Name} | {m.Range} (seed {m.Seed}) | {p.Name} | {Pct(p.Train)} \\| **{record.GetValueOrDefault("train_error", "?")}** | {Pct(p.Test)} \\| **{record.GetValueOrDefault("test_error", "?")}** | {p.Distortion:F3} \\| **{s.MeanDistortion:F4}** |");
        }
        md.AppendLine();
    }

    private void Table4(StringBuilder md)
    {
        md.AppendLine("## Table 4: cross-training-set generalization").AppendLine();
        md.AppendLine("Rows: each model's adversarial examples, the same perturbations all multiplied by one factor that brings the set's mean distortion to 0.1 (then clipped into [0, 1], so the measured distortion ends a little lower), and Gaussian noise.").AppendLine();
        int k = profile.Table3.Count;
        md.Append(TransferTables.Markdown(table4, (r, c) =>
        {
            var row = table4.Rows[r];
            string? key = row.Kind switch
            {
                TransferRowKind.Adversarial => $"set {r}",
                TransferRowKind.Amplified => $"amplified {r - k}",
                _ => NoiseKey(row),
            };
            return key != null && PaperNumbers.Table4.TryGetValue(key, out var v) && c < v.Length ? v[c] : null;
        }));
        md.AppendLine().AppendLine("![Table 4 heat map](transfer-table4/transfer.png)").AppendLine();

        int p2 = k - 1;
        int noise006 = Enumerable.Range(0, table4.Rows.Count).First(r => table4.Rows[r].Kind == TransferRowKind.GaussianNoise);
        double baseline = table4.ErrorRates[noise006, p2];
        for (int r = 0; r < p2; r++)
        {
            double plain = table4.ErrorRates[r, p2], amplified = table4.ErrorRates[k + r, p2];
            md.AppendLine(Inv, $"- {table4.Rows[r].Name} on the P2 model {table4.Models[p2]}: {Pct(plain)} — {(plain > baseline ? "above" : "**not above**")} the stddev-0.06 noise baseline ({Pct(baseline)}); amplified to 0.1: {Pct(amplified)} ({(amplified >= plain + 0.1 ? "markedly more" : "**not markedly more**")}).");
        }
        md.AppendLine();
    }

    private void Figures(StringBuilder md)
    {
        md.AppendLine("## Figures").AppendLine();
        md.AppendLine("In the style of the paper's Figure 5, per model: original | perturbation magnified (mid-grey = 0) | adversarial.").AppendLine();
        foreach (var m in profile.Table1)
        {
            string figure = Path.Combine("attacks", m.Name, Commands.AttackCommand.FigureFile);
            if (File.Exists(Path.Combine(outDir, figure)))
                md.AppendLine(Inv, $"- {m.Name}: ![{m.Name}]({figure.Replace('\\', '/')})");
        }
        md.AppendLine();
        foreach (var (file, caption) in figure7)
            if (File.Exists(Path.Combine(outDir, file)))
                md.AppendLine(Inv, $"{caption}").AppendLine().AppendLine(Inv, $"![{caption}]({file})").AppendLine();
    }

    private void Timing(StringBuilder md)
    {
        md.AppendLine("## Stages").AppendLine();
        md.AppendLine("| stage | wall time |").AppendLine("|---|---:|");
        foreach (var (name, seconds) in clock.Times)
            md.AppendLine(Inv, $"| {name} | {(seconds > 0 ? $"{seconds:F1} s" : "reused")} |");
        md.AppendLine();
        md.AppendLine("Models reused from an earlier run show no time; their own training record holds it (`wall_seconds_last_run`).");
    }

    /// <summary>The same claim check on the paper's own Table 2 (its noise rows are stddev 0.1 and 0.3).</summary>
    private static (int Holds, int Cells) PaperTable2Claim(IReadOnlyList<string> models)
    {
        int holds = 0, cells = 0;
        foreach (string row in models)
            for (int c = 0; c < models.Count; c++)
            {
                if (models[c] == row) continue;
                int column = Array.IndexOf(PaperNumbers.Table2Models, models[c]);
                double rate = PaperNumbers.Table2[row][column];
                double against = PaperNumbers.Table2[PaperNumbers.Table1[row].Distortion <= 0.1 ? "noise 0.1" : "noise 0.3"][column];
                cells++;
                if (rate >= 2 * against && rate - against >= MarginPoints) holds++;
            }
        return (holds, cells);
    }

    private static string? NoiseKey(TransferRow row) =>
        row.Kind == TransferRowKind.GaussianNoise ? "noise " + row.Name[(row.Name.LastIndexOf(' ') + 1)..] : null;

    /// <summary>The noise row with the smallest nominal stddev at least <paramref name="distortion"/> (else the largest).</summary>
    private static int NoiseRowFor(TransferMatrix m, List<int> noiseRows, double distortion)
    {
        double Sigma(int r) => double.Parse(m.Rows[r].Name[(m.Rows[r].Name.LastIndexOf(' ') + 1)..], Inv);
        var ordered = noiseRows.OrderBy(Sigma).ToList();
        return ordered.FirstOrDefault(r => Sigma(r) >= distortion, ordered[^1]);
    }

    private IReadOnlyDictionary<string, string> Record(string name) => SafetensorsFile.Read(modelFiles[name]).Metadata;

    private AttackReport.Summary Summary(string name) =>
        AttackReport.Summarise(RunReader.ReadComplete(attackDirs[name]).Results);

    /// <summary>+6%, −23%, ±0%: a relative difference rounded to whole percent, its sign always shown.</summary>
    private static string SignedPercent(double ratio)
    {
        double p = Math.Round(100 * ratio);
        return p == 0 ? "±0%" : p > 0 ? $"+{p.ToString(Inv)}%" : $"−{(-p).ToString(Inv)}%";
    }

    private static string Pct(double rate) => double.IsNaN(rate) ? "—" : (100 * rate).ToString("0.##", Inv) + "%";

    /// <summary>The informational version with at most 7 digits of its commit hash.</summary>
    private static string Version(Assembly a)
    {
        string v = a.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? a.GetName().Version?.ToString() ?? "?";
        int plus = v.IndexOf('+');
        return plus < 0 ? v : v[..Math.Min(v.Length, plus + 8)];
    }
}
