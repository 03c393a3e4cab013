namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// A per-example best-of: every attack of a set runs on the same device batch, a fresh forward pass
/// checks each one's result, and each example keeps the smallest successful perturbation (by
/// <see cref="Measure"/>) with the name of the attack that found it (<see cref="AttackResult.Method"/>).
/// Evaluations and iterations add up over the attacks.
/// </summary>
public sealed class BestOfAttack : Attack
{
    private readonly (string Name, Attack Attack)[] attacks;

    /// <summary>The best-of over <paramref name="attacks"/> (name, attack), tried in order; ties keep the earlier.</summary>
    /// <exception cref="BlindSpotsException">No attack, or a name used twice.</exception>
    public BestOfAttack(IReadOnlyList<(string Name, Attack Attack)> attacks, int batchSize = 256, Distance measure = Distance.L2) : base(batchSize)
    {
        ArgumentNullException.ThrowIfNull(attacks);
        if (attacks.Count == 0) throw new BlindSpotsException("best-of attack: no attack given");
        if (attacks.Select(a => a.Name).Distinct().Count() != attacks.Count)
            throw new BlindSpotsException($"best-of attack: an attack is named twice in {string.Join(",", attacks.Select(a => a.Name))}");
        if (!Enum.IsDefined(measure)) throw new BlindSpotsException($"best-of attack: distance {measure} is not one of Rms, L2, LInf");
        this.attacks = attacks.ToArray();
        Measure = measure;
    }

    /// <summary>The attacks' names, in order.</summary>
    public IReadOnlyList<string> Names => attacks.Select(a => a.Name).ToArray();

    /// <summary>The distance by which the attacks' results are compared.</summary>
    public override Distance Measure { get; }

    /// <inheritdoc/>
    protected override void Search(AttackBatch batch, AttackLoss loss)
    {
        int count = batch.Count, n = batch.Length;
        var bestSize = new double[count];
        var found = new bool[count];
        Array.Fill(bestSize, double.PositiveInfinity);
        foreach (var (name, attack) in attacks)
        {
            var trial = new AttackBatch(count, n, batch.Untargeted);
            batch.Examples.CopyTo(trial.Examples, 0);
            batch.Indices.CopyTo(trial.Indices, 0);
            batch.Labels.CopyTo(trial.Labels, 0);
            batch.Targets.CopyTo(trial.Targets, 0);
            batch.Originals.CopyTo(trial.Originals, 0);
            batch.Originals.CopyTo(trial.Adversarials, 0);
            PerturbWith(attack, trial, loss);
            using var inputs = Tensor.FromArray(loss.Device, trial.Adversarials, [count, .. loss.Model.InputShape]);
            int[] predictions = loss.Predict(inputs);
            for (int p = 0; p < count; p++)
            {
                batch.Evaluations[p] += trial.Evaluations[p];
                batch.Iterations[p] += trial.Iterations[p];
                bool success = Criterion.Reached(predictions[p], batch.Labels[p], batch.Targets[p]);
                double size = Distortions.Between(batch.Original(p), trial.Adversarial(p)).Of(Measure);
                // The first attack's attempt stands until a success beats it; a success beats any failure.
                bool better = batch.Methods[p] is null || (success && (!found[p] || size < bestSize[p]));
                if (!better) continue;
                trial.Adversarial(p).CopyTo(batch.Adversarial(p));
                batch.Methods[p] = name;
                batch.Weights[p] = trial.Weights[p];
                batch.Stops[p] = trial.Stops[p];
                batch.SolverStops[p] = trial.SolverStops[p];
                if (success)
                {
                    found[p] = true;
                    bestSize[p] = size;
                }
            }
        }
    }
}
