namespace IlgpuBlindSpots.Cli.AttackRuns;

/// <summary>The report's two plots, drawn with ScottPlot and written whole (temporary file, then rename).</summary>
internal static class AttackPlots
{
    /// <summary>How many successful examples fall in each distortion bin.</summary>
    public static void Histogram(string path, double[] distortions)
    {
        var plot = new ScottPlot.Plot();
        if (distortions.Length > 0)
        {
            int bins = Math.Clamp((int)Math.Sqrt(distortions.Length), 5, 50);
            double max = distortions.Max() * 1.0001 + 1e-12, width = max / bins;
            var counts = new double[bins];
            foreach (double d in distortions) counts[Math.Min(bins - 1, (int)(d / width))]++;
            var bars = plot.Add.Bars(Enumerable.Range(0, bins).Select(i => (i + 0.5) * width).ToArray(), counts);
            foreach (var bar in bars.Bars) bar.Size = width * 0.9;
        }
        plot.Title("Minimal adversarial distortion");
        plot.XLabel("distortion √(Σr²/n)");
        plot.YLabel("examples");
        Save(plot, path);
    }

    /// <summary>Share of the attacked examples fooled with a distortion at most d, as d grows.</summary>
    public static void SuccessCurve(string path, double[] sortedDistortions, int attacked)
    {
        var plot = new ScottPlot.Plot();
        if (sortedDistortions.Length > 0 && attacked > 0)
        {
            var xs = new List<double> { 0 };
            var ys = new List<double> { 0 };
            for (int i = 0; i < sortedDistortions.Length; i++)
            {
                xs.Add(sortedDistortions[i]);
                ys.Add(100.0 * (i + 1) / attacked);
            }
            var line = plot.Add.ScatterLine(xs.ToArray(), ys.ToArray());
            line.ConnectStyle = ScottPlot.ConnectStyle.StepHorizontal;
        }
        plot.Title("Success rate against the allowed distortion");
        plot.XLabel("allowed distortion √(Σr²/n)");
        plot.YLabel("examples fooled (%)");
        plot.Axes.SetLimitsY(0, 100);
        Save(plot, path);
    }

    private static void Save(ScottPlot.Plot plot, string path) =>
        AtomicFile.Write(path, stream =>
        {
            byte[] png = plot.GetImageBytes(640, 400, ScottPlot.ImageFormat.Png);
            stream.Write(png);
        });
}
