namespace IlgpuBlindSpots.Network.Training;

/// <summary>
/// Where a run stands: sent after some batches (a few times a second at most) and at the end of
/// every epoch (<see cref="EpochDone"/>). Loss and accuracy are over the epoch's batches so far,
/// in training mode (dropout on), before each batch's update; the loss is the mean cross-entropy
/// without the weight-decay penalty.
/// </summary>
/// <param name="Epoch">The epoch under way, from 1.</param>
/// <param name="Epochs">Epochs in the run.</param>
/// <param name="ExamplesDone">Examples of this epoch processed so far.</param>
/// <param name="ExamplesPerEpoch">Examples in one epoch.</param>
/// <param name="Loss">Mean cross-entropy so far this epoch, without the penalty.</param>
/// <param name="Accuracy">Fraction of this epoch's examples so far classified correctly before their update, in [0, 1].</param>
/// <param name="ExamplesPerSecond">Throughput of this call so far.</param>
/// <param name="Elapsed">Wall time of this call of <see cref="Trainer.Train"/> so far.</param>
/// <param name="EstimatedRemaining">Wall time the remaining examples will take at the current throughput.</param>
/// <param name="EpochDone">Whether this record closes an epoch.</param>
/// <param name="LearningRate">The learning rate of the latest update.</param>
public sealed record TrainingProgress(
    int Epoch, int Epochs, int ExamplesDone, int ExamplesPerEpoch, double Loss, double Accuracy,
    double ExamplesPerSecond, TimeSpan Elapsed, TimeSpan EstimatedRemaining, bool EpochDone, double LearningRate)
{
    /// <summary>Which stage of a multi-stage run (e.g. autoencoder pretraining) this is; null for a plain run.</summary>
    public string? Stage { get; init; }
}
