namespace IlgpuBlindSpots.Network.Training;

/// <summary>
/// Where a run stands: sent after some batches (a few times a second at most) and at the end of
/// every epoch (<see cref="EpochDone"/>). Loss and accuracy are over the epoch's batches so far,
/// in training mode (dropout on), before each batch's update; the loss is the mean cross-entropy
/// without the weight-decay penalty.
/// </summary>
public sealed record TrainingProgress(
    int Epoch, int Epochs, int ExamplesDone, int ExamplesPerEpoch, double Loss, double Accuracy,
    double ExamplesPerSecond, TimeSpan Elapsed, TimeSpan EstimatedRemaining, bool EpochDone, double LearningRate)
{
    /// <summary>Which stage of a multi-stage run (e.g. autoencoder pretraining) this is; null for a plain run.</summary>
    public string? Stage { get; init; }
}
