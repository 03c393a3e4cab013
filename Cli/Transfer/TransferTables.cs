using System.Text;
using System.Text.Json;
using IlgpuBlindSpots.Optimizer.Transfer;

namespace IlgpuBlindSpots.Cli.Transfer;

/// <summary>
/// A transfer matrix written out: <c>transfer.md</c> (rows: sets, columns: models, last column: the
/// set's mean distortion), <c>transfer.csv</c>, <c>transfer.json</c> and a heat map
/// <c>transfer.png</c>; every file written whole.
/// </summary>
internal static class TransferTables
{
    public const string MarkdownFile = "transfer.md", CsvFile = "transfer.csv", JsonFile = "transfer.json", HeatMapFile = "transfer.png";

    public static void Write(string folder, TransferMatrix matrix, string title)
    {
        Directory.CreateDirectory(folder);
        AtomicFile.Write(Path.Combine(folder, MarkdownFile), s => WriteText(s, $"# {title}\n\n{Markdown(matrix, null)}\n"));
        AtomicFile.Write(Path.Combine(folder, CsvFile), s => WriteText(s, Csv(matrix)));
        AtomicFile.Write(Path.Combine(folder, JsonFile), s => JsonSerializer.Serialize(s, new
        {
            title,
            models = matrix.Models,
            rows = matrix.Rows.Select((r, i) => new
            {
                name = r.Name, kind = r.Kind.ToString(), source = r.Source, count = r.Count, mean_distortion = r.MeanDistortion,
                error_rates = Enumerable.Range(0, matrix.Models.Count).Select(m => matrix.ErrorRates[i, m]).ToArray(),
            }),
        }, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
        HeatMap(Path.Combine(folder, HeatMapFile), matrix, title);
    }

    /// <summary>
    /// The matrix as a markdown table of percentages; <paramref name="paper"/>, when given, is
    /// shown beside each cell as "paper | here" (null where the paper has no number).
    /// </summary>
    public static string Markdown(TransferMatrix m, Func<int, int, double?>? paper)
    {
        var inv = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.Append("| set \\ model | ").Append(string.Join(" | ", m.Models)).AppendLine(" | mean distortion |");
        md.Append("|---|").Append(string.Concat(Enumerable.Repeat("---:|", m.Models.Count + 1))).AppendLine();
        for (int r = 0; r < m.Rows.Count; r++)
        {
            md.Append("| ").Append(m.Rows[r].Name).Append(" (").Append(m.Rows[r].Count.ToString(inv)).Append(')');
            for (int c = 0; c < m.Models.Count; c++)
            {
                string here = Percent(m.ErrorRates[r, c]);
                double? p = paper?.Invoke(r, c);
                md.Append(" | ").Append(p.HasValue ? $"{Percent(p.Value)} \\| **{here}**" : here);
            }
            md.Append(" | ").Append(m.Rows[r].MeanDistortion.ToString("F4", inv)).AppendLine(" |");
        }
        return md.ToString();
    }

    public static string Percent(double rate) =>
        double.IsNaN(rate) ? "—" : (100 * rate).ToString(rate >= 0.995 || rate == 0 ? "F0" : "F1", CultureInfo.InvariantCulture) + "%";

    private static string Csv(TransferMatrix m)
    {
        var inv = CultureInfo.InvariantCulture;
        var csv = new StringBuilder();
        csv.Append("set,kind,count,").Append(string.Join(",", m.Models.Select(Quote))).AppendLine(",mean_distortion");
        for (int r = 0; r < m.Rows.Count; r++)
        {
            csv.Append(Quote(m.Rows[r].Name)).Append(',').Append(m.Rows[r].Kind).Append(',').Append(m.Rows[r].Count.ToString(inv));
            for (int c = 0; c < m.Models.Count; c++) csv.Append(',').Append(m.ErrorRates[r, c].ToString("R", inv));
            csv.Append(',').Append(m.Rows[r].MeanDistortion.ToString("R", inv)).AppendLine();
        }
        return csv.ToString();
    }

    private static string Quote(string s) => s.IndexOfAny([',', '"', '\n']) < 0 ? s : $"\"{s.Replace("\"", "\"\"")}\"";

    /// <summary>Error rates as colours, the percentage written in each cell, sets top to bottom as in the table.</summary>
    public static void HeatMap(string path, TransferMatrix m, string title)
    {
        int rows = m.Rows.Count, cols = m.Models.Count;
        var cells = new double[rows, cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) cells[r, c] = 100 * m.ErrorRates[r, c];
        var plot = new ScottPlot.Plot();
        var heat = plot.Add.Heatmap(cells);
        heat.Colormap = new ScottPlot.Colormaps.Viridis();
        heat.ManualRange = new ScottPlot.Range(0, 100);
        heat.Rectangle = new ScottPlot.CoordinateRect(0, cols, 0, rows);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
            {
                var text = plot.Add.Text(Percent(m.ErrorRates[r, c]), c + 0.5, rows - r - 0.5);
                text.LabelAlignment = ScottPlot.Alignment.MiddleCenter;
                text.LabelFontColor = cells[r, c] > 60 ? ScottPlot.Colors.Black : ScottPlot.Colors.White;
                text.LabelFontSize = 12;
            }
        var bottom = new ScottPlot.TickGenerators.NumericManual();
        for (int c = 0; c < cols; c++) bottom.AddMajor(c + 0.5, m.Models[c]);
        plot.Axes.Bottom.TickGenerator = bottom;
        var left = new ScottPlot.TickGenerators.NumericManual();
        for (int r = 0; r < rows; r++) left.AddMajor(rows - r - 0.5, m.Rows[r].Name);
        plot.Axes.Left.TickGenerator = left;
        plot.Add.ColorBar(heat).Label = "error rate (%)";
        plot.Axes.SetLimits(0, cols, 0, rows);
        plot.Title(title);
        // Columns wide enough for their names, which are written level under them.
        int column = Math.Max(110, 8 * m.Models.Max(name => name.Length));
        AtomicFile.Write(path, s => s.Write(plot.GetImageBytes(300 + column * cols, 200 + 34 * rows, ScottPlot.ImageFormat.Png)));
    }

    private static void WriteText(Stream stream, string text)
    {
        using var w = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true);
        w.Write(text);
    }
}
