namespace IlgpuBlindSpots.Network.Training;

/// <summary>What a call of <see cref="Trainer.Train"/> did: one progress record per epoch it finished, its wall time and examples processed, and the final weight-decay penalty.</summary>
public sealed record TrainingSummary(IReadOnlyList<TrainingProgress> Epochs, TimeSpan Elapsed, long Examples, double Penalty)
{
    /// <summary>Throughput: examples processed per second of wall time.</summary>
    public double ExamplesPerSecond => Examples / Math.Max(1e-9, Elapsed.TotalSeconds);
}
