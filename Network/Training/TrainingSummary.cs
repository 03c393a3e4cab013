namespace IlgpuBlindSpots.Network.Training;

/// <summary>What a call of <see cref="Trainer.Train"/> did: one progress record per epoch it finished, its wall time and examples processed, and the final weight-decay penalty.</summary>
/// <param name="Epochs">One record per epoch finished, in order.</param>
/// <param name="Elapsed">Wall time of the call.</param>
/// <param name="Examples">Training examples processed, over every epoch.</param>
/// <param name="Penalty">The weight-decay penalty Σ λ/2·‖W‖² at the last step's weights (see <see cref="WeightDecayConvention"/>).</param>
public sealed record TrainingSummary(IReadOnlyList<TrainingProgress> Epochs, TimeSpan Elapsed, long Examples, double Penalty)
{
    /// <summary>Throughput: examples processed per second of wall time.</summary>
    public double ExamplesPerSecond => Examples / Math.Max(1e-9, Elapsed.TotalSeconds);
}
