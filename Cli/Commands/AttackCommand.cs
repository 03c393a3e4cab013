using System.Security.Cryptography;
using IlgpuBlindSpots.Cli.AttackRuns;
using IlgpuBlindSpots.Network.Models;
using IlgpuBlindSpots.Optimizer.Attacks;

namespace IlgpuBlindSpots.Cli.Commands;

/// <summary>
/// <c>attack</c>: the data path input → model → attack → report, batch by batch. Results are
/// appended to <c>results.jsonl</c> after every batch; the report is written from all results at the end.
/// </summary>
internal static class AttackCommand
{
    public const string AdversarialFolder = "adversarial", FigureFile = "figure5.png";

    public static int Run(AttackArguments o, CliConsole console, CancellationToken cancel)
    {
        if (o.Batch < 1) throw new BlindSpotsException($"--batch must be a positive integer, got {o.Batch}");
        if (string.IsNullOrWhiteSpace(o.Out)) throw new BlindSpotsException("--out is required: the folder for results");
        if (!File.Exists(o.Model)) throw new BlindSpotsException($"--model {o.Model}: no such file");
        OutputPath.CheckFolder("--out", o.Out);
        var shard = Shard.Resolve(o.Shard, Environment.GetEnvironmentVariable);
        var deviceSpecs = o.Device.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (deviceSpecs.Length == 0) throw new BlindSpotsException($"--device '{o.Device}': no device named");
        AttackMethods.Build(o, 1); // checks the method's options before a device opens

        var devices = new List<ComputeDevice>();
        var models = new List<Model>();
        var batchRules = new List<AttackBatchSize.DeviceRule>();
        try
        {
            foreach (string spec in deviceSpecs)
            {
                // Without --batch, auto chooses at the batch the device it picks then takes (AutoChoice.DefaultBatch).
                var device = o.Batch is int named ? ComputeDevice.Open(spec, named) : ComputeDevice.Open(spec);
                devices.Add(device);
                models.Add(ModelArgument.LoadClassifier(device, o.Model, models.Count == 0 ? console.Error : null));
                // Measured before the model's first pass (labelling by prediction runs one).
                if (o.Batch is null) batchRules.Add(AttackBatchSize.RuleOf(models[^1]));
            }
            var model = models[0];
            var inputs = AttackInputs.Load(o.Data, o.Split, o.Range, o.Labels, o.Classes, model.InputShape, model.Classes);
            if (inputs.LabelledByModel) LabelByPrediction(model, inputs);
            var criterion = CriterionOf(o.Target, model.Classes, o.Seed);
            bool Attacked(int i) => criterion is not TargetClass fixedClass || fixedClass.Accepts(inputs.Labels[i]);

            var (sliceStart, sliceCount) = shard.Slice(inputs.Count);
            var description = Describe(o, inputs, shard, sliceStart, sliceCount);
            description[RunScope.ExpectedKey] = Enumerable.Range(sliceStart, sliceCount).Count(Attacked).ToString(CultureInfo.InvariantCulture);
            description[RunScope.ClassesKey] = model.Classes.ToString(CultureInfo.InvariantCulture);
            // Indices are contiguous from the range's start: the slice's data-set indices follow from it.
            int firstIndex = (inputs.Count > 0 ? inputs.Indices[0] : 0) + sliceStart;
            description[RunScope.IndicesKey] = RunScope.FormatIndices(firstIndex, sliceCount);
            var (folder, done) = RunFolder.Open(o.Out, description, o.Resume);
            using (folder)
            {
                var doneSet = done.Select(r => r.Index).ToHashSet();
                var todo = Enumerable.Range(sliceStart, sliceCount).Where(i => !doneSet.Contains(inputs.Indices[i]) && Attacked(i)).ToList();
                if (o.Resume) console.Error.WriteLine($"resuming: {done.Count} examples done, {todo.Count} to go");
                Directory.CreateDirectory(Path.Combine(o.Out, AdversarialFolder));
                var all = new List<ResultRecord>(done);
                var progress = new AttackProgress(console, todo.Count, done);
                int batchSize = o.Batch ?? AttackBatchSize.Default(batchRules, todo.Count);
                var batch = new BatchAttack(AttackMethods.Build(o, batchSize), criterion, inputs, o.Out, LipschitzOf(model));
                // One worker per device, each taking the next batch: the devices share the work. This
                // thread writes: an example's files first, then its record, so a record means its files are whole.
                DeviceWorkers.Run(models, DeviceWorkers.Split(todo, batchSize, models.Count), batch.Run, outcome =>
                {
                    batch.WriteFiles(outcome);
                    folder.Append(outcome.Records);
                    all.AddRange(outcome.Records);
                    progress.Report(outcome.Records);
                }, cancel);
                progress.Finish();
                Report(o, console, all, inputs, description, folder);
            }
            return 0;
        }
        finally
        {
            foreach (var m in models) m.Dispose();
            foreach (var d in devices) d.Dispose();
        }
    }

    /// <summary>
    /// The network's upper Lipschitz bound, which turns each example's logit margin into a certified
    /// radius; a graph has no per-layer bound here, and its records certify no radius.
    /// </summary>
    private static double? LipschitzOf(Model model) =>
        model is SequentialModel chain ? IlgpuBlindSpots.Optimizer.Analysis.LipschitzBounds.Compute(chain).Product : null;

    /// <summary>The library's criterion for a <c>--target</c> value.</summary>
    private static Criterion CriterionOf(string target, int classes, int seed)
    {
        switch (target.ToLowerInvariant())
        {
            case "next": return new NextClass();
            case "untargeted": return new Misclassification();
            case "all": return new EveryOtherClass();
            // Seeded by each example's own data-set index: a shard or a resumed run draws the same target.
            case "random": return new RandomTarget(seed);
        }
        if (int.TryParse(target, NumberStyles.None, CultureInfo.InvariantCulture, out int fixedTarget))
        {
            if (fixedTarget >= classes)
                throw new BlindSpotsException($"--target {target}: outside the model's classes 0..{classes - 1}");
            // Examples of the target class itself have nothing to be pushed to; they are left out.
            return new TargetClass(fixedTarget);
        }
        throw new BlindSpotsException($"--target '{target}': expected next, random, all, untargeted or a class number");
    }

    private static void Report(AttackArguments o, CliConsole console, List<ResultRecord> all, AttackInputs inputs,
        Dictionary<string, string> description, RunFolder folder)
    {
        all.Sort((a, b) => a.Index.CompareTo(b.Index));
        string? figure = WriteFigure(o.Out, all, inputs) ? FigureFile : null;
        var summary = AttackReport.Write(o.Out, all, $"Attack on {Path.GetFileName(o.Model)}", description, figure);
        folder.Complete(all.Count);
        console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{summary.Attacked} attacked, {summary.Succeeded} fooled ({100 * summary.SuccessRate:F1}%), mean distortion {summary.MeanDistortion:F4}, median {summary.MedianDistortion:F4}{(AttackReport.MinimisesLInf(description) ? $", mean L∞ {summary.MeanLInf:F4} (the norm minimised)" : "")}; {summary.AlreadyMisclassified} already misclassified; report in {Path.Combine(o.Out, AttackReport.ReportFile)}"));
    }

    private static void LabelByPrediction(Model model, AttackInputs inputs)
    {
        using var x = Tensor.FromArray(model.Device, inputs.Images, [inputs.Count, .. inputs.Shape]);
        using var loss = new AttackLoss(model);
        loss.Predict(x).CopyTo(inputs.Labels, 0);
    }

    private static Dictionary<string, string> Describe(AttackArguments o, AttackInputs inputs, Shard shard, int start, int count)
    {
        using var stream = File.OpenRead(o.Model);
        string hash = Convert.ToHexStringLower(SHA256.HashData(stream));
        var d = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["model"] = Path.GetFileName(o.Model),
            ["model_sha256"] = hash,
            ["data"] = inputs.Description,
            ["data_source"] = inputs.Source,
            ["input"] = string.Join("x", inputs.Shape),
            ["labels"] = inputs.LabelledByModel ? "the model's predictions" : "the data set's",
            ["target"] = o.Target.ToLowerInvariant(),
            ["method"] = o.Method.ToLowerInvariant(),
            ["seed"] = o.Seed.ToString(CultureInfo.InvariantCulture),
            ["shard"] = shard.ToString(),
            ["examples"] = $"{start}:{count} of {inputs.Count}",
            ["lipschitz_method"] = "product of per-layer upper bounds (spectral norms, Fourier bound, activation slopes)",
        };
        AttackMethods.Describe(o, d);
        return d;
    }

    /// <summary>
    /// The paper's Figure 5 layout: rows of original | perturbation (magnified to the full grey
    /// range, mid-grey = 0) | adversarial, for the first successful examples.
    /// </summary>
    private static bool WriteFigure(string folder, IReadOnlyList<ResultRecord> results, AttackInputs inputs)
    {
        var (scale, maxRows) = FigureScale(inputs.Shape[1], inputs.Shape[2]);
        var rows = results.Where(r => r.Success && !r.AlreadyMisclassified).Take(maxRows).ToList();
        if (rows.Count == 0) return false;
        var position = new Dictionary<int, int>();
        for (int i = 0; i < inputs.Count; i++) position[inputs.Indices[i]] = i;
        int n = inputs.Length;
        var pixels = new float[rows.Count * 3 * n];
        for (int row = 0; row < rows.Count; row++)
        {
            var original = inputs.Image(position[rows[row].Index]);
            var adversarial = AdversarialExampleFile.Read(folder, rows[row].Index).Adversarial;
            float max = 1e-12f;
            for (int i = 0; i < n; i++) max = Math.Max(max, Math.Abs(adversarial[i] - original[i]));
            int at = row * 3 * n;
            for (int i = 0; i < n; i++)
            {
                pixels[at + i] = original[i];
                pixels[at + n + i] = 0.5f + 0.5f * (adversarial[i] - original[i]) / max;
                pixels[at + 2 * n + i] = adversarial[i];
            }
        }
        PngImages.WriteGrid(Path.Combine(folder, FigureFile), pixels, rows.Count * 3, inputs.Shape[0], inputs.Shape[1], inputs.Shape[2], 3, scale);
        return true;
    }

    /// <summary>
    /// The figure's upscale factor (3 for digits, less for large images) and how many rows (at most 8)
    /// fit within a PNG side of <see cref="PngImages.MaxSide"/>; no rows where one row of three images does not fit.
    /// </summary>
    internal static (int Scale, int Rows) FigureScale(int height, int width)
    {
        for (int scale = 3; scale >= 1; scale--)
        {
            if (3L * width * scale + 2 > PngImages.MaxSide) continue;
            int rows = (int)Math.Min(8, (PngImages.MaxSide + 1) / ((long)height * scale + 1));
            if (rows >= 2 || scale == 1) return (scale, rows);
        }
        return (1, 0);
    }
}
