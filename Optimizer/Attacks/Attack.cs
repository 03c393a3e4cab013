using System.Diagnostics;
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
/// <para>
/// The extension point for an attack of one's own: derive from this class, pass a batch size to the
/// constructor, give <see cref="Measure"/>, and override <see cref="Search"/>, which writes a perturbed
/// input for every problem of an <see cref="AttackBatch"/> using the <see cref="AttackLoss"/>'s
/// gradients. Everything else above (checks, batching, the fresh forward pass, the criterion's
/// verdict, the per-example choice, results) is shared.
/// </para>
/// </remarks>
public abstract class Attack
{
    /// <summary>An attack that runs at most <paramref name="batchSize"/> problems together on the device.</summary>
    /// <exception cref="BlindSpotsException">The batch size is below 1.</exception>
    protected Attack(int batchSize)
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
    /// <paramref name="criterion"/> asks. <paramref name="indices"/> are the examples' indices in
    /// their data set (default 0..B−1): they, with an attack's seed, seed everything random about an
    /// example (<see cref="ExampleRandom"/>), so pass them when a data set is attacked in pieces.
    /// Throws a <see cref="BlindSpotsException"/> for inputs, labels or targets that do not fit the model.
    /// </summary>
    public IReadOnlyList<AttackResult> Run(Model model, Tensor inputs, IReadOnlyList<int> labels, Criterion criterion,
        IReadOnlyList<int>? indices = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(criterion);
        var clock = Stopwatch.StartNew();
        indices ??= Enumerable.Range(0, inputs.Batch).ToArray();
        float[] x = CheckedInputs(model, inputs, labels, indices);
        int batch = inputs.Batch, n = model.InputLength;
        var goals = criterion.Goals(labels, indices, model.Classes);

        using var loss = new AttackLoss(model);
        int[] before = loss.Predict(inputs);

        // One problem per (goal, correctly classified example), goal-major.
        var problems = new List<(int Example, int Target)>();
        foreach (var goal in goals)
            for (int b = 0; b < batch; b++)
                if (before[b] == labels[b]) problems.Add((b, goal[b]));
        bool untargeted = goals.Count > 0 && goals[0][0] < 0;

        var attempts = new List<(AttackBatch Batch, Verdict Verdict)>();
        for (int start = 0; start < problems.Count; start += BatchSize)
        {
            int count = Math.Min(BatchSize, problems.Count - start);
            var ab = new AttackBatch(count, n, untargeted);
            for (int p = 0; p < count; p++)
            {
                var (example, target) = problems[start + p];
                ab.Examples[p] = example;
                ab.Indices[p] = indices[example];
                ab.Labels[p] = labels[example];
                ab.Targets[p] = target;
                Array.Copy(x, example * n, ab.Originals, p * n, n);
            }
            ab.Originals.CopyTo(ab.Adversarials, 0);
            Perturb(ab, loss);
            attempts.Add((ab, Verify(loss, ab, criterion)));
        }

        double seconds = clock.Elapsed.TotalSeconds / batch;
        return Collect(x, labels, before, attempts, n, seconds);
    }

    /// <summary>The inputs read back, once every argument is checked against the model.</summary>
    private static float[] CheckedInputs(Model model, Tensor inputs, IReadOnlyList<int> labels, IReadOnlyList<int> indices)
    {
        int batch = inputs.Batch, n = model.InputLength, classes = model.Classes;
        if (inputs.Device != model.Device)
            throw new BlindSpotsException($"attack: the inputs live on {inputs.Device.Id}, the model on {model.Device.Id}");
        if (inputs.RowLength != n)
            throw new BlindSpotsException(
                $"attack: the model expects inputs of {Tensor.Format(model.InputShape)} ({n} values), got a batch of {Tensor.Format(inputs.Shape)}");
        if (labels.Count != batch)
            throw new BlindSpotsException($"attack: {labels.Count} labels for a batch of {batch} inputs");
        if (indices.Count != batch)
            throw new BlindSpotsException($"attack: {indices.Count} data-set indices for a batch of {batch} inputs");
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
        return x;
    }

    /// <summary>
    /// Attacks every example of <paramref name="examples"/> (host images in [0, 1] with their
    /// labels, e.g. a <see cref="Dataset.Slice"/> of a loaded data set) towards what
    /// <paramref name="criterion"/> asks: the images are copied to the model's device and attacked as by
    /// <see cref="Run(Model, Tensor, IReadOnlyList{int}, Criterion, IReadOnlyList{int})"/>, result i for example i,
    /// each seeded by its index in the data set the images were sliced from (<see cref="Dataset.FirstIndex"/> + i).
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
        return Run(model, inputs, examples.Labels, criterion, Enumerable.Range(examples.FirstIndex, examples.Count).ToArray());
    }

    /// <summary>
    /// The override point: writes a perturbed input for every problem of <paramref name="batch"/>
    /// (<see cref="AttackBatch.Adversarials"/>, every value in [0, 1]; a failed search leaves its best
    /// attempt) and, optionally, its bookkeeping (iterations, evaluations, stop reasons).
    /// <paramref name="loss"/> gives the model's losses and input gradients towards each problem's goal.
    /// Called once per device batch; must not change the model, and must draw anything random from
    /// <see cref="ExampleRandom"/> with <see cref="AttackBatch.Indices"/>.
    /// </summary>
    protected virtual void Search(AttackBatch batch, AttackLoss loss) =>
        throw new NotSupportedException($"{GetType().Name} does not override Attack.Search");

    /// <summary>What runs a device batch: <see cref="Search"/>, unless a built-in attack still overrides this older hook.</summary>
    private protected virtual void Perturb(AttackBatch batch, AttackLoss loss) => Search(batch, loss);

    /// <summary><see cref="Perturb"/> of another attack, for attacks made of attacks (<see cref="BestOfAttack"/>).</summary>
    private protected static void PerturbWith(Attack attack, AttackBatch batch, AttackLoss loss) => attack.Perturb(batch, loss);

    /// <summary>The model's predictions on the batch's perturbed inputs, in a pass of its own, and whether each meets the criterion.</summary>
    private static Verdict Verify(AttackLoss loss, AttackBatch batch, Criterion criterion)
    {
        using var adversarials = Tensor.FromArray(loss.Device, batch.Adversarials, [batch.Count, .. loss.Model.InputShape]);
        var (predictions, logits) = loss.PredictWithLogits(adversarials);
        int classes = loss.Model.Classes;
        var met = new bool[batch.Count];
        for (int p = 0; p < batch.Count; p++)
        {
            // A perturbed input with a value that is not a number is no input at all: it is
            // dropped (the example keeps its original, which the model classifies correctly).
            if (!AllFinite(batch.Adversarial(p)))
            {
                batch.Original(p).CopyTo(batch.Adversarial(p));
                predictions[p] = batch.Labels[p];
                continue;
            }
            met[p] = criterion.IsMet(logits.AsSpan(p * classes, classes), predictions[p], batch.Labels[p], batch.Targets[p]);
        }
        return new Verdict(predictions, met);
    }

    /// <summary>The fresh pass's prediction on each perturbed input, and whether it met the criterion.</summary>
    private sealed record Verdict(int[] Predictions, bool[] Met);

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (float v in values)
            if (!float.IsFinite(v)) return false;
        return true;
    }

    private IReadOnlyList<AttackResult> Collect(float[] x, IReadOnlyList<int> labels, int[] before,
        List<(AttackBatch Batch, Verdict Verdict)> attempts, int n, double seconds)
    {
        int batch = labels.Count;
        var chosen = new (AttackBatch Batch, int Problem, bool Success, double Size)?[batch];
        var iterations = new int[batch];
        var evaluations = new int[batch];
        foreach (var (ab, verdict) in attempts)
        {
            for (int p = 0; p < ab.Count; p++)
            {
                int example = ab.Examples[p];
                iterations[example] += ab.Iterations[p];
                evaluations[example] += ab.Evaluations[p];
                bool success = verdict.Met[p];
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
            var predictions = attempts.First(a => a.Batch == c.Batch).Verdict.Predictions;
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
