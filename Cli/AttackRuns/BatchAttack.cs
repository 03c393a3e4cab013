using System.Diagnostics;
using IlgpuBlindSpots.Cli.Commands;
using IlgpuBlindSpots.Network.Models;
using IlgpuBlindSpots.Optimizer.Analysis;
using IlgpuBlindSpots.Optimizer.Attacks;

namespace IlgpuBlindSpots.Cli.AttackRuns;

/// <summary>
/// One batch of the <c>attack</c> command: the library's attack on the batch's examples (seeded by
/// their data-set indices) on a device's thread, one result record each; then, on the writer's
/// thread, each attacked example's files.
/// </summary>
internal sealed class BatchAttack(Attack attack, Criterion criterion, AttackInputs inputs, string outFolder, double? lipschitz)
{
    /// <summary>A batch attacked: its records and, for writing its files, its positions in the inputs and the attack's results.</summary>
    public sealed record Outcome(List<ResultRecord> Records, int[] Batch, IReadOnlyList<AttackResult> Results);

    /// <summary>Attacks the examples at <paramref name="batch"/> (positions in the inputs) with <paramref name="model"/>; writes nothing.</summary>
    public Outcome Run(Model model, int[] batch)
    {
        var clock = Stopwatch.StartNew();
        var pixels = new float[batch.Length * inputs.Length];
        for (int i = 0; i < batch.Length; i++) inputs.Image(batch[i]).CopyTo(pixels.AsSpan(i * inputs.Length));
        using var x = Tensor.FromArray(model.Device, pixels, [batch.Length, .. inputs.Shape]);
        var labels = batch.Select(i => inputs.Labels[i]).ToArray();
        var logits = model.Logits(x, BackwardUse.None).ToArray();
        var results = attack.Run(model, x, labels, criterion, batch.Select(i => inputs.Indices[i]).ToArray());
        double share = clock.Elapsed.TotalSeconds / batch.Length;
        var records = new List<ResultRecord>(batch.Length);
        for (int i = 0; i < results.Count; i++)
        {
            var r = results[i];
            records.Add(new ResultRecord
            {
                Index = inputs.Indices[batch[i]], Label = r.Label, Target = r.Target, AlreadyMisclassified = r.AlreadyMisclassified,
                Success = r.Success, PredictionBefore = r.PredictionBefore, PredictionAfter = r.PredictionAfter,
                Distortion = r.Distortion.Rms, L2 = r.Distortion.L2, LInf = r.Distortion.LInf,
                C = double.IsNaN(r.Weight) ? null : r.Weight,
                CertifiedL2 = lipschitz is double l ? CertifiedRadius.Of(logits.AsSpan(i * model.Classes, model.Classes), r.Label, l) : null,
                Iterations = r.Iterations, Evaluations = r.Evaluations, Seconds = share, Method = r.Method,
            });
        }
        return new Outcome(records, batch, results);
    }

    /// <summary>Each attacked example's exact float inputs and PNG (each file written whole or not at all).</summary>
    public void WriteFiles(Outcome outcome)
    {
        for (int i = 0; i < outcome.Results.Count; i++)
        {
            var r = outcome.Results[i];
            if (r.AlreadyMisclassified) continue;
            int index = inputs.Indices[outcome.Batch[i]];
            AdversarialExampleFile.Write(outFolder, index, r.Label, r.Target, inputs.Image(outcome.Batch[i]), r.Adversarial, inputs.Shape);
            PngImages.WriteGrid(Path.Combine(outFolder, AttackCommand.AdversarialFolder, $"{index:D6}.png"), r.Adversarial, 1,
                inputs.Shape[0], inputs.Shape[1], inputs.Shape[2], 1);
        }
    }
}
