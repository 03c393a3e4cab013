using System.Globalization;

namespace IlgpuBlindSpots.Network.Training;

/// <summary>
/// Everything that decides a training run's result: with the same options, data and device,
/// <see cref="Trainer"/> produces the same model bit for bit.
/// </summary>
/// <param name="Epochs">Passes over the training data.</param>
/// <param name="BatchSize">Examples per parameter update.</param>
/// <param name="LearningRate">The step size at the start of the schedule.</param>
/// <param name="Optimizer">SGD with momentum, or Adam.</param>
/// <param name="Momentum">SGD's momentum, in [0, 1); unused by Adam.</param>
/// <param name="Schedule">How the learning rate changes over the epochs.</param>
/// <param name="WeightDecay">
/// L2 weight decay λ: one value for every weight matrix, or one per parameterised layer in model
/// order. Biases never decay. See <see cref="WeightDecayConvention"/> for how λ is scaled.
/// </param>
/// <param name="Seed">Seeds the epochs' example orders and the dropout masks.</param>
/// <param name="Objective">What the model is trained to output: class logits, or its input (an autoencoder).</param>
/// <param name="PoolShare">
/// The fraction of each batch drawn from an <see cref="IExamplePool"/> given to the
/// <see cref="Trainer"/> (0: none): a batch holds <see cref="PoolRowsPerBatch"/> pool examples and
/// <see cref="DataRowsPerBatch"/> training examples, so an epoch (one pass over the training data)
/// takes proportionally more batches.
/// </param>
public sealed record TrainingOptions(
    int Epochs,
    int BatchSize,
    double LearningRate,
    OptimizerKind Optimizer = OptimizerKind.Adam,
    double Momentum = 0.9,
    LearningRateSchedule Schedule = LearningRateSchedule.Constant,
    IReadOnlyList<double>? WeightDecay = null,
    int Seed = 1,
    TrainingObjective Objective = TrainingObjective.Classification,
    double PoolShare = 0)
{
    /// <summary>Adam's fixed hyperparameters (Kingma and Ba's defaults): β₁, β₂ and ε.</summary>
    public const double AdamBeta1 = 0.9, AdamBeta2 = 0.999, AdamEpsilon = 1e-8;

    /// <summary>Refuses options no run can use, naming the option.</summary>
    public void Validate()
    {
        if (Epochs <= 0) throw new BlindSpotsException($"--epochs must be a positive integer, got {Epochs}");
        if (BatchSize <= 0) throw new BlindSpotsException($"--batch must be a positive integer, got {BatchSize}");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
            throw new BlindSpotsException($"--lr must be a positive number, got {LearningRate.ToString(CultureInfo.InvariantCulture)}");
        if (!(Momentum >= 0 && Momentum < 1))
            throw new BlindSpotsException($"--momentum must be in [0, 1), got {Momentum.ToString(CultureInfo.InvariantCulture)}");
        if (!(PoolShare >= 0 && PoolShare < 1))
            throw new BlindSpotsException($"--pool-share must be in [0, 1), got {PoolShare.ToString(CultureInfo.InvariantCulture)}");
        if (PoolShare > 0 && (PoolRowsPerBatch < 1 || DataRowsPerBatch < 1))
            throw new BlindSpotsException(string.Create(CultureInfo.InvariantCulture,
                $"--pool-share {PoolShare} of a batch of {BatchSize} leaves {PoolRowsPerBatch} pool and {DataRowsPerBatch} training examples per batch; each must be at least 1"));
        if (PoolShare > 0 && Objective != TrainingObjective.Classification)
            throw new BlindSpotsException("a pool of extra examples is mixed into classification training only");
        if (WeightDecay != null)
            foreach (double l in WeightDecay)
                if (!(l >= 0) || double.IsInfinity(l))
                    throw new BlindSpotsException($"--weight-decay must be non-negative numbers, got {l.ToString(CultureInfo.InvariantCulture)}");
    }

    /// <summary>Pool examples in every batch: <see cref="PoolShare"/> of <see cref="BatchSize"/>, rounded.</summary>
    public int PoolRowsPerBatch => (int)Math.Round(PoolShare * BatchSize, MidpointRounding.AwayFromZero);

    /// <summary>Training examples in every batch (the last of an epoch may have fewer).</summary>
    public int DataRowsPerBatch => BatchSize - PoolRowsPerBatch;

    /// <summary>λ of parameterised layer <paramref name="layer"/> of <paramref name="layers"/>.</summary>
    public double WeightDecayOf(int layer, int layers)
    {
        if (WeightDecay == null || WeightDecay.Count == 0) return 0;
        if (WeightDecay.Count == 1) return WeightDecay[0];
        if (WeightDecay.Count != layers)
            throw new BlindSpotsException(
                $"--weight-decay lists {WeightDecay.Count} values but the model has {layers} parameterised layers; give one value or one per layer");
        return WeightDecay[layer];
    }

    /// <summary>The weight decay as text: one number or a comma list.</summary>
    public string WeightDecayText => WeightDecay == null || WeightDecay.Count == 0 ? "0"
        : string.Join(",", WeightDecay.Select(l => l.ToString("R", CultureInfo.InvariantCulture)));

    /// <summary>A line stating every option, stored in checkpoints so a resume can check it continues the same run.</summary>
    public string Fingerprint => string.Create(CultureInfo.InvariantCulture,
        $"epochs={Epochs} batch={BatchSize} lr={LearningRate:R} optimizer={Optimizer} momentum={Momentum:R} schedule={Schedule} weight-decay={WeightDecayText} seed={Seed} objective={Objective}{(PoolShare > 0 ? " pool-share=" + PoolShare.ToString("R", CultureInfo.InvariantCulture) : "")}");
}
