namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// The paper's baseline: x′ = clip(x + N(0, σ²)ⁿ, 0, 1), independent noise per value, drawn on the
/// host from a generator seeded by <see cref="Seed"/> and the example's data-set index (<see cref="ExampleRandom"/>). It uses no gradient; its
/// success is whatever the criterion makes of the noisy input.
/// </summary>
public sealed class GaussianNoiseAttack : Attack
{
    /// <summary>Noise of standard deviation <paramref name="standardDeviation"/> (in pixel units of [0, 1]).</summary>
    /// <param name="standardDeviation">σ ≥ 0.</param>
    /// <param name="seed">Seeds the noise together with each example's index.</param>
    /// <param name="batchSize">Examples checked together on the device.</param>
    /// <exception cref="BlindSpotsException">σ is negative or not finite, or the batch size is below 1.</exception>
    public GaussianNoiseAttack(double standardDeviation, int seed = 0, int batchSize = 1024) : base(batchSize)
    {
        if (!(standardDeviation >= 0 && double.IsFinite(standardDeviation)))
            throw new BlindSpotsException($"Gaussian noise standard deviation {standardDeviation} is out of range: it must be 0 or more");
        StandardDeviation = standardDeviation;
        Seed = seed;
    }

    /// <summary>σ of the noise before clipping.</summary>
    public double StandardDeviation { get; }
    /// <summary>Seeds the noise together with each example's index.</summary>
    public int Seed { get; }
    /// <summary>RMS, the paper's distortion.</summary>
    public override Distance Measure => Distance.Rms;

    /// <inheritdoc/>
    protected override void Search(AttackBatch batch, AttackLoss loss)
    {
        int n = batch.Length;
        for (int p = 0; p < batch.Count; p++)
        {
            // Seeded by the example's data-set index, so it gets the same noise in any batch, shard or run.
            var rng = ExampleRandom.For(Seed, batch.Indices[p]);
            var x = batch.Original(p);
            var adversarial = batch.Adversarial(p);
            for (int i = 0; i < n; i++)
                adversarial[i] = (float)Math.Clamp(x[i] + StandardDeviation * ExampleRandom.StandardNormal(rng), 0.0, 1.0);
        }
    }
}
