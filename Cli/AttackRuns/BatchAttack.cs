using System.Diagnostics;
using IlgpuBlindSpots.Cli.Commands;
using IlgpuBlindSpots.Network.Models;
using IlgpuBlindSpots.Optimizer.Analysis;
using IlgpuBlindSpots.Optimizer.Attacks;

namespace IlgpuBlindSpots.Cli.AttackRuns;

/// <summary>
/// One batch of the <c>attack</c> command: the library's attack on the batch's examples (seeded by
/// their data-set indices), each attacked example's files written, one result record each.
/// </summary>
internal sealed class BatchAttack(Attack attack, Criterion criterion, AttackInputs inputs, string outFolder, double? lipschitz)
{
    /// <summary>Attacks the examples at <paramref name="batch"/> (positions in the inputs) with <paramref name="model"/>.</summary>
    public List<ResultRecord> Run(Model model, int[] batch)
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
            int index = inputs.Indices[batch[i]];
            if (!r.AlreadyMisclassified) WriteFiles(index, inputs.Image(batch[i]), r);
            records.Add(new ResultRecord
            {
                Index = index, Label = r.Label, Target = r.Target, AlreadyMisclassified = r.AlreadyMisclassified,
                Success = r.Success, PredictionBefore = r.PredictionBefore, PredictionAfter = r.PredictionAfter,
                Distortion = r.Distortion.Rms, L2 = r.Distortion.L2, LInf = r.Distortion.LInf,
                C = double.IsNaN(r.Weight) ? null : r.Weight,
                CertifiedL2 = lipschitz is double l ? CertifiedRadius.Of(logits.AsSpan(i * model.Classes, model.Classes), r.Label, l) : null,
                Iterations = r.Iterations, Evaluations = r.Evaluations, Seconds = share, Method = r.Method,
            });
        }
        return records;
    }

    /// <summary>The example's exact float inputs and its PNG.</summary>
    private void WriteFiles(int index, ReadOnlySpan<float> original, AttackResult r)
    {
        AdversarialExampleFile.Write(outFolder, index, r.Label, r.Target, original, r.Adversarial, inputs.Shape);
        PngImages.WriteGrid(Path.Combine(outFolder, AttackCommand.AdversarialFolder, $"{index:D6}.png"), r.Adversarial, 1,
            inputs.Shape[0], inputs.Shape[1], inputs.Shape[2], 1);
    }
}
