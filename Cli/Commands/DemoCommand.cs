using System.Text;
using IlgpuBlindSpots.Network.Training;

namespace IlgpuBlindSpots.Cli.Commands;

/// <summary>
/// The offline demo: the pretrained fc100-100-10 bundled in the executable, evaluated on the 1,000
/// MNIST test digits bundled with it (both embedded resources, so it runs from any folder);
/// writes a grid of the digits it gets wrong, then attacks the first digits with the paper's
/// minimal-perturbation L-BFGS attack and writes its report and figures.
/// </summary>
internal static class DemoCommand
{
    private const string ModelResource = "fc100-100-10.safetensors";
    private static readonly string[] SampleResources = ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"];

    public static int Run(DemoArguments o, CliConsole console, CancellationToken cancel)
    {
        if (o.Examples < 1 || o.Examples > 1000)
            throw new BlindSpotsException($"--examples must be between 1 and the 1000 bundled digits, got {o.Examples}");
        OutputPath.CheckFolder("--out", o.Out);
        string work = Path.Combine(Path.GetTempPath(), "blindspots-demo-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            foreach (string name in SampleResources.Append(ModelResource)) Extract(name, Path.Combine(work, name));
            var data = Dataset.FromIdx(Path.Combine(work, SampleResources[0]), Path.Combine(work, SampleResources[1]));
            using var device = ComputeDevice.Open(o.Device);
            var file = SafetensorsFile.Read(Path.Combine(work, ModelResource));
            using var model = ModelFile.Load(device, file);
            var result = Evaluator.Evaluate(model, data);

            var wrong = Enumerable.Range(0, data.Count).Where(i => result.Predictions[i] != data.Labels[i]).ToList();
            Directory.CreateDirectory(o.Out);
            string grid = Path.Combine(o.Out, "misclassified.png");
            if (wrong.Count > 0)
            {
                var pixels = new float[wrong.Count * data.ImageSize];
                for (int k = 0; k < wrong.Count; k++) data.Image(wrong[k]).CopyTo(pixels.AsSpan(k * data.ImageSize));
                PngImages.WriteGrid(grid, pixels, wrong.Count, data.Channels, data.Height, data.Width, columns: Math.Min(10, wrong.Count), scale: 2);
            }
            var report = new StringBuilder();
            var inv = CultureInfo.InvariantCulture;
            report.AppendLine("# blindspots demo");
            report.AppendLine();
            report.AppendLine(inv, $"Model: `{file.Metadata["arch"]}` (bundled fc100-100-10), trained with `{file.Metadata.GetValueOrDefault("command", "?")}`;");
            report.AppendLine(inv, $"its record: test error {file.Metadata.GetValueOrDefault("test_error", "?")} on the 10,000 MNIST test digits, weight decay λ = {file.Metadata.GetValueOrDefault("weight_decay", "?")} ({file.Metadata.GetValueOrDefault("weight_decay_convention", "?")}).");
            report.AppendLine();
            report.AppendLine(inv, $"On the bundled sample (the first {data.Count} MNIST test digits), on {device.Description}: **{wrong.Count} errors, {100.0 * result.ErrorRate:F2}%**, mean cross-entropy {result.MeanLoss:F4}.");
            report.AppendLine();
            if (wrong.Count > 0)
            {
                report.AppendLine("The misclassified digits, in this order (left to right, top to bottom), are in `misclassified.png`:");
                report.AppendLine();
                report.AppendLine("| sample index | label | predicted |");
                report.AppendLine("|---:|---:|---:|");
                foreach (int i in wrong) report.AppendLine(inv, $"| {i} | {data.Labels[i]} | {result.Predictions[i]} |");
            }
            // The main job: the paper's minimal-perturbation attack on the first digits, target (y + 1) mod 10.
            string attackOut = Path.Combine(o.Out, "attack");
            if (Directory.Exists(attackOut)) Directory.Delete(attackOut, recursive: true);
            var attack = new AttackArguments
            {
                Model = Path.Combine(work, ModelResource), Data = work, Split = "test", Range = $"0:{o.Examples}",
                Target = "next", Batch = o.Examples, Device = o.Device, Out = attackOut,
            };
            int code = AttackCommand.Run(attack, console, cancel);
            if (code != 0) return code;
            var summary = AttackRuns.AttackReport.Summarise(AttackRuns.RunReader.ReadComplete(attackOut).Results);
            report.AppendLine();
            report.AppendLine("## Minimal adversarial perturbations");
            report.AppendLine();
            report.AppendLine(inv, $"The paper's box-constrained L-BFGS attack on the first {o.Examples} digits, each pushed to the next class (y + 1 mod 10): " +
                $"**{summary.Succeeded} of {summary.Attacked} fooled**, mean distortion √(Σr²/n) **{summary.MeanDistortion:F4}** (the paper's Table 1 reports 0.058 for its FC100-100-10). " +
                $"Full report: [`attack/report.md`](attack/report.md); original | perturbation (magnified) | adversarial in [`attack/figure5.png`](attack/figure5.png).");
            string reportPath = Path.Combine(o.Out, "report.md");
            AtomicText(reportPath, report.ToString());
            console.Out.WriteLine(string.Create(inv, $"fc100-100-10 on {data.Count} bundled MNIST test digits: {wrong.Count} errors ({100.0 * result.ErrorRate:F2}%)"));
            console.Out.WriteLine($"wrote {reportPath}{(wrong.Count > 0 ? ", " + grid : "")} and {attackOut}/");
            return 0;
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    private static void Extract(string name, string path)
    {
        using var stream = typeof(DemoCommand).Assembly.GetManifestResourceStream(name)
            ?? throw new BlindSpotsException($"demo: the executable lacks its bundled '{name}' (a broken build)");
        using var file = File.Create(path);
        stream.CopyTo(file);
    }

    private static void AtomicText(string path, string text)
    {
        string temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            File.WriteAllText(temporary, text);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temporary); } catch (IOException) { }
            throw new BlindSpotsException($"{path}: cannot write ({e.Message})", e);
        }
    }
}
