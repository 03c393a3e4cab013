using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using IlgpuBlindSpots.Cli.AttackRuns;
using IlgpuBlindSpots.Network;
using IlgpuBlindSpots.Network.Data;
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

    public static int Run(AttackOptions o, CliConsole console, CancellationToken cancel)
    {
        if (o.Batch < 1) throw new BlindSpotsException($"--batch must be a positive integer, got {o.Batch}");
        if (string.IsNullOrWhiteSpace(o.Out)) throw new BlindSpotsException("--out is required: the folder for results");
        if (!File.Exists(o.Model)) throw new BlindSpotsException($"--model {o.Model}: no such file");
        OutputPath.CheckFolder("--out", o.Out);
        var shard = Shard.Resolve(o.Shard, Environment.GetEnvironmentVariable);
        var deviceSpecs = o.Device.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (deviceSpecs.Length == 0) throw new BlindSpotsException($"--device '{o.Device}': no device named");
        var attack = AttackMethods.Build(o);

        var devices = new List<Device>();
        var models = new List<Model>();
        try
        {
            foreach (string spec in deviceSpecs)
            {
                var device = Device.Open(spec);
                devices.Add(device);
                models.Add(ModelArgument.Load(device, o.Model, models.Count == 0 ? console.Error : null));
            }
            var model = models[0];
            var inputs = AttackInputs.Load(o.Data, o.Split, o.Range, model.InputShape);
            if (inputs.LabelledByModel) LabelByPrediction(model, inputs);
            var targetOf = TargetRule(o.Target, model.Classes, o.Seed);
            // The network's upper Lipschitz bound turns each example's logit margin into a certified radius.
            // A graph has no per-layer bound here; its records certify no radius.
            double? lipschitz = model is SequentialModel chain ? IlgpuBlindSpots.Optimizer.Analysis.LipschitzBounds.Compute(chain).Product : null;

            var (sliceStart, sliceCount) = shard.Slice(inputs.Count);
            int expected = Enumerable.Range(sliceStart, sliceCount).Count(i => targetOf(inputs.Labels[i], inputs.Indices[i]) != Skip);
            var description = Describe(o, inputs, shard, sliceStart, sliceCount);
            description[RunScope.ExpectedKey] = expected.ToString(CultureInfo.InvariantCulture);
            description[RunScope.ClassesKey] = model.Classes.ToString(CultureInfo.InvariantCulture);
            // Indices are contiguous from the range's start: the slice's data-set indices follow from it.
            int firstIndex = (inputs.Count > 0 ? inputs.Indices[0] : 0) + sliceStart;
            description[RunScope.IndicesKey] = RunScope.FormatIndices(firstIndex, sliceCount);
            var (folder, done) = RunFolder.Open(o.Out, description, o.Resume);
            using (folder)
            {
                var doneSet = done.Select(r => r.Index).ToHashSet();
                var todo = Enumerable.Range(sliceStart, sliceCount)
                    .Where(i => !doneSet.Contains(inputs.Indices[i]) && targetOf(inputs.Labels[i], inputs.Indices[i]) != Skip)
                    .ToList();
                if (o.Resume) console.Error.WriteLine($"resuming: {done.Count} examples done, {todo.Count} to go");
                Directory.CreateDirectory(Path.Combine(o.Out, AdversarialFolder));
                var all = new List<ResultRecord>(done);
                var progress = new AttackProgress(console, todo.Count, done);
                var batches = new Queue<List<int>>(todo.Chunk(o.Batch).Select(c => c.ToList()));
                var gate = new object();
                Exception? failure = null;
                // One worker per device, each taking the next batch: the devices share the work.
                var workers = models.Select(m => new Thread(() =>
                {
                    try
                    {
                        while (true)
                        {
                            List<int> batch;
                            lock (gate)
                            {
                                if (failure != null || batches.Count == 0) return;
                                cancel.ThrowIfCancellationRequested();
                                batch = batches.Dequeue();
                            }
                            var records = AttackBatch(attack, m, inputs, batch, targetOf, o.Out, lipschitz);
                            lock (gate)
                            {
                                folder.Append(records);
                                all.AddRange(records);
                                progress.Report(records);
                            }
                        }
                    }
                    catch (Exception e)
                    {
                        lock (gate) failure ??= e;
                    }
                })).ToList();
                foreach (var w in workers) w.Start();
                foreach (var w in workers) w.Join();
                if (failure != null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
                progress.Finish();

                all.Sort((a, b) => a.Index.CompareTo(b.Index));
                string? figure = WriteFigure(o.Out, all, inputs) ? FigureFile : null;
                var summary = AttackReport.Write(o.Out, all, $"Attack on {Path.GetFileName(o.Model)}", description, figure);
                folder.Complete(all.Count);
                console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{summary.Attacked} attacked, {summary.Succeeded} fooled ({100 * summary.SuccessRate:F1}%), mean distortion {summary.MeanDistortion:F4}, median {summary.MedianDistortion:F4}; {summary.AlreadyMisclassified} already misclassified; report in {Path.Combine(o.Out, AttackReport.ReportFile)}"));
            }
            return 0;
        }
        finally
        {
            foreach (var m in models) m.Dispose();
            foreach (var d in devices) d.Dispose();
        }
    }

    /// <summary>Marks an example a fixed target cannot apply to (its label is the target).</summary>
    private const int Skip = int.MinValue;

    private static List<ResultRecord> AttackBatch(Attack attack, Model model, AttackInputs inputs, List<int> batch,
        Func<int, int, int> targetOf, string outFolder, double? lipschitz)
    {
        var clock = Stopwatch.StartNew();
        var pixels = new float[batch.Count * inputs.Length];
        for (int i = 0; i < batch.Count; i++) inputs.Image(batch[i]).CopyTo(pixels.AsSpan(i * inputs.Length));
        using var x = Tensor.FromArray(model.Device, pixels, [batch.Count, .. inputs.Shape]);
        var labels = batch.Select(i => inputs.Labels[i]).ToArray();
        var targets = batch.Select(i => targetOf(inputs.Labels[i], inputs.Indices[i])).ToArray();
        Criterion criterion = targets[0] == AllOthers ? new EveryOtherClass()
            : targets[0] < 0 ? new Misclassification()
            : new TargetedMisclassification(targets);
        var logits = model.Logits(x).ToArray();
        var results = attack.Run(model, x, labels, criterion);
        double share = clock.Elapsed.TotalSeconds / batch.Count;
        var records = new List<ResultRecord>(batch.Count);
        for (int i = 0; i < results.Count; i++)
        {
            var r = results[i];
            int index = inputs.Indices[batch[i]];
            if (!r.AlreadyMisclassified)
            {
                AdversarialExampleFile.Write(outFolder, index, r.Label, r.Target, inputs.Image(batch[i]), r.Adversarial, inputs.Shape);
                PngImages.WriteGrid(Path.Combine(outFolder, AdversarialFolder, $"{index:D6}.png"), r.Adversarial, 1,
                    inputs.Shape[0], inputs.Shape[1], inputs.Shape[2], 1);
            }
            records.Add(new ResultRecord
            {
                Index = index, Label = r.Label, Target = r.Target, AlreadyMisclassified = r.AlreadyMisclassified,
                Success = r.Success, PredictionBefore = r.PredictionBefore, PredictionAfter = r.PredictionAfter,
                Distortion = r.Distortion.Rms, L2 = r.Distortion.L2, LInf = r.Distortion.LInf,
                C = double.IsNaN(r.Weight) ? null : r.Weight,
                CertifiedL2 = lipschitz is double l ? IlgpuBlindSpots.Optimizer.Analysis.CertifiedRadius.Of(logits.AsSpan(i * model.Classes, model.Classes), r.Label, l) : null,
                Iterations = r.Iterations, Evaluations = r.Evaluations, Seconds = share, Method = r.Method,
            });
        }
        return records;
    }

    private const int AllOthers = -2;

    /// <summary>(label, data-set index) → target: a class, −1 for untargeted, −2 for every other class, or <see cref="Skip"/>.</summary>
    private static Func<int, int, int> TargetRule(string target, int classes, int seed)
    {
        switch (target.ToLowerInvariant())
        {
            case "next": return (y, _) => (y + 1) % classes;
            case "untargeted": return (_, _) => -1;
            case "all": return (_, _) => AllOthers;
            case "random":
                // Seeded by the example's own index, so a shard or a resumed run draws the same target.
                return (y, index) =>
                {
                    uint h = unchecked((uint)seed * 0x9E3779B1u ^ (uint)index * 0x85EBCA77u);
                    h ^= h >> 15; h *= 0xC2B2AE3Du; h ^= h >> 13;
                    int t = (int)(h % (uint)(classes - 1));
                    return t >= y ? t + 1 : t;
                };
        }
        if (int.TryParse(target, NumberStyles.None, CultureInfo.InvariantCulture, out int fixedTarget))
        {
            if (fixedTarget >= classes)
                throw new BlindSpotsException($"--target {target}: outside the model's classes 0..{classes - 1}");
            // Examples of the target class itself have nothing to be pushed to; they are left out.
            return (y, _) => y == fixedTarget ? Skip : fixedTarget;
        }
        throw new BlindSpotsException($"--target '{target}': expected next, random, all, untargeted or a class number");
    }

    private static void LabelByPrediction(Model model, AttackInputs inputs)
    {
        using var x = Tensor.FromArray(model.Device, inputs.Images, [inputs.Count, .. inputs.Shape]);
        var logits = model.Logits(x).ToArray();
        for (int i = 0; i < inputs.Count; i++)
        {
            int best = 0;
            for (int k = 1; k < model.Classes; k++) if (logits[i * model.Classes + k] > logits[i * model.Classes + best]) best = k;
            inputs.Labels[i] = best;
        }
    }

    private static Dictionary<string, string> Describe(AttackOptions o, AttackInputs inputs, Shard shard, int start, int count)
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
        var rows = results.Where(r => r.Success && !r.AlreadyMisclassified).Take(8).ToList();
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
        PngImages.WriteGrid(Path.Combine(folder, FigureFile), pixels, rows.Count * 3, inputs.Shape[0], inputs.Shape[1], inputs.Shape[2], 3, 3);
        return true;
    }
}
