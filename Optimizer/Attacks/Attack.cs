using System.Diagnostics;
using IlgpuBlindSpots.Network;
using IlgpuBlindSpots.Network.Data;
using IlgpuBlindSpots.Network.Models;

namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// An adversarial attack, called Foolbox-style with a model, a batch of inputs and labels, and a
/// <see cref="Criterion"/>; it returns one <see cref="AttackResult"/> per example.
/// </summary>
/// <remarks>
/// Every attack shares this plumbing: inputs are checked (shape, device, values in [0, 1], labels,
/// targets); inputs the model already misclassifies are reported and not attacked; the remaining
/// (example, goal) problems go to the attack in device batches of at most <see cref="BatchSize"/>;
/// every attempt is then checked by a fresh forward pass of the model on the perturbed input, and
/// an example keeps its smallest successful attempt under <see cref="Measure"/> (its smallest
/// attempt when none succeeded). Problems never influence each other, so an example's result
/// does not depend on the batch it came in.
/// </remarks>
public abstract class Attack
{
    private protected Attack(int batchSize)
    {
        if (batchSize < 1)
            throw new BlindSpotsException($"attack batch size {batchSize} is out of range: it must be at least 1");
        BatchSize = batchSize;
    }

    /// <summary>Attack problems (example, goal) run together on the device.</summary>
    public int BatchSize { get; }

    /// <summary>The distance by which an example's attempts are compared.</summary>
    public abstract Distance Measure { get; }

    /// <summary>
    /// Attacks every example of <paramref name="inputs"/> ([B, C, H, W] or [B, C·H·W], values in
    /// [0, 1], on the model's device), labelled by <paramref name="labels"/>, towards what
    /// <paramref name="criterion"/> asks. Throws a <see cref="BlindSpotsException"/> for inputs,
    /// labels or targets that do not fit the model.
    /// </summary>
    public IReadOnlyList<AttackResult> Run(Model model, Tensor inputs, IReadOnlyList<int> labels, Criterion criterion)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(criterion);
        var clock = Stopwatch.StartNew();
        int batch = inputs.Batch, n = model.InputLength, classes = model.Classes;
        if (inputs.Device != model.Device)
            throw new BlindSpotsException($"attack: the inputs live on {inputs.Device.Id}, the model on {model.Device.Id}");
        if (inputs.RowLength != n)
            throw new BlindSpotsException(
                $"attack: the model expects inputs of {Tensor.Format(model.InputShape)} ({n} values), got a batch of {Tensor.Format(inputs.Shape)}");
        if (labels.Count != batch)
            throw new BlindSpotsException($"attack: {labels.Count} labels for a batch of {batch} inputs");
        if (classes < 2)
            throw new BlindSpotsException($"attack: the model has {classes} class; an attack needs at least 2");
        for (int i = 0; i < batch; i++)
            if ((uint)labels[i] >= (uint)classes)
                throw new BlindSpotsException($"attack: label {labels[i]} of example {i} is outside the model's classes 0..{classes - 1}");
        float[] x = inputs.ToArray();
        for (int i = 0; i < x.Length; i++)
            if (!(x[i] >= 0f && x[i] <= 1f))
                throw new BlindSpotsException(
                    $"attack: input value {x[i]} of example {i / n} is outside [0, 1]; attacks search the box [0, 1] of scaled pixels");
        var goals = criterion.Goals(labels, classes);

        using var loss = new AttackLoss(model);
        int[] before = loss.Predict(inputs);

        // One problem per (goal, correctly classified example), goal-major.
        var problems = new List<(int Example, int Target)>();
        foreach (var goal in goals)
            for (int b = 0; b < batch; b++)
                if (before[b] == labels[b]) problems.Add((b, goal[b]));
        bool untargeted = goals.Count > 0 && goals[0][0] < 0;

        var attempts = new List<(AttackBatch Batch, int[] Predictions)>();
        for (int start = 0; start < problems.Count; start += BatchSize)
        {
            int count = Math.Min(BatchSize, problems.Count - start);
            var ab = new AttackBatch(count, n, untargeted);
            for (int p = 0; p < count; p++)
            {
                var (example, target) = problems[start + p];
                ab.Examples[p] = example;
                ab.Labels[p] = labels[example];
                ab.Targets[p] = target;
                Array.Copy(x, example * n, ab.Originals, p * n, n);
            }
            ab.Originals.CopyTo(ab.Adversarials, 0);
            Perturb(ab, loss);
            attempts.Add((ab, Verify(loss, ab)));
        }

        double seconds = clock.Elapsed.TotalSeconds / batch;
        return Collect(x, labels, before, attempts, n, seconds);
    }

    /// <summary>
    /// Attacks every example of <paramref name="examples"/> (host images in [0, 1] with their
    /// labels, e.g. a <see cref="Dataset.Slice"/> of a loaded data set) towards what
    /// <paramref name="criterion"/> asks: the images are copied to the model's device and attacked as by
    /// <see cref="Run(Model, Tensor, IReadOnlyList{int}, Criterion)"/>, result i for example i.
    /// </summary>
    /// <exception cref="BlindSpotsException">The images do not fit the model's input, a value lies
    /// outside [0, 1], or a label or target is not one of the model's classes.</exception>
    public IReadOnlyList<AttackResult> Run(Model model, Dataset examples, Criterion criterion)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(examples);
        if (examples.Count == 0) return [];
        if (examples.ImageSize != model.InputLength)
            throw new BlindSpotsException(
                $"attack: {examples.Source} holds images of {examples.Channels}x{examples.Height}x{examples.Width}; the model expects {string.Join("x", model.InputShape)}");
        using var inputs = Tensor.FromArray(model.Device, examples.Images, [examples.Count, .. model.InputShape]);
        return Run(model, inputs, examples.Labels, criterion);
    }

    /// <summary>
    /// Writes the batch's perturbed inputs (every one in [0, 1]) and bookkeeping. Called once per
    /// device batch; the model must not be changed.
    /// </summary>
    private protected abstract void Perturb(AttackBatch batch, AttackLoss loss);

    /// <summary><see cref="Perturb"/> of another attack, for attacks made of attacks (<see cref="BestOfAttack"/>).</summary>
    private protected static void PerturbWith(Attack attack, AttackBatch batch, AttackLoss loss) => attack.Perturb(batch, loss);

    /// <summary>The model's predictions on the batch's perturbed inputs, in a pass of its own.</summary>
    private static int[] Verify(AttackLoss loss, AttackBatch batch)
    {
        using var adversarials = Tensor.FromArray(loss.Device, batch.Adversarials, [batch.Count, .. loss.Model.InputShape]);
        return loss.Predict(adversarials);
    }

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (float v in values)
            if (!float.IsFinite(v)) return false;
        return true;
    }

    private IReadOnlyList<AttackResult> Collect(float[] x, IReadOnlyList<int> labels, int[] before,
        List<(AttackBatch Batch, int[] Predictions)> attempts, int n, double seconds)
    {
        int batch = labels.Count;
        var chosen = new (AttackBatch Batch, int Problem, bool Success, double Size)?[batch];
        var iterations = new int[batch];
        var evaluations = new int[batch];
        foreach (var (ab, predictions) in attempts)
        {
            for (int p = 0; p < ab.Count; p++)
            {
                int example = ab.Examples[p];
                iterations[example] += ab.Iterations[p];
                evaluations[example] += ab.Evaluations[p];
                // A perturbed input with a value that is not a number is no input at all: it is
                // dropped (the example keeps its original, which the model classifies correctly).
                if (!AllFinite(ab.Adversarial(p)))
                {
                    ab.Original(p).CopyTo(ab.Adversarial(p));
                    predictions[p] = ab.Labels[p];
                }
                bool success = Criterion.Reached(predictions[p], ab.Labels[p], ab.Targets[p]);
                double size = Distortions.Between(ab.Original(p), ab.Adversarial(p)).Of(Measure);
                var current = chosen[example];
                // Successes beat failures; among equals the smaller perturbation wins, the earlier goal on ties.
                if (current is null || (success && !current.Value.Success) ||
                    (success == current.Value.Success && size < current.Value.Size))
                    chosen[example] = (ab, p, success, size);
            }
        }

        var results = new AttackResult[batch];
        for (int b = 0; b < batch; b++)
        {
            var original = x.AsSpan(b * n, n);
            if (chosen[b] is not { } c)
            {
                results[b] = new AttackResult
                {
                    Index = b, Label = labels[b], Target = -1, PredictionBefore = before[b], Success = false,
                    PredictionAfter = before[b], Distortion = Distortions.Zero, Adversarial = original.ToArray(),
                    Stop = AttackStopReason.NotAttacked, Seconds = seconds,
                };
                continue;
            }
            var predictions = attempts.First(a => a.Batch == c.Batch).Predictions;
            float[] adversarial = c.Batch.Adversarial(c.Problem).ToArray();
            results[b] = new AttackResult
            {
                Index = b, Label = labels[b], Target = c.Batch.Targets[c.Problem], PredictionBefore = before[b],
                Success = c.Success, PredictionAfter = predictions[c.Problem],
                Distortion = Distortions.Between(original, adversarial), Adversarial = adversarial,
                Weight = c.Batch.Weights[c.Problem], Iterations = iterations[b], Evaluations = evaluations[b],
                Stop = c.Batch.Stops[c.Problem], SolverStop = c.Batch.SolverStops[c.Problem], Seconds = seconds,
                Method = c.Batch.Methods[c.Problem],
            };
        }
        return results;
    }
}
