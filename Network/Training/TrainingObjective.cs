namespace IlgpuBlindSpots.Network.Training;

/// <summary>What a training run minimises.</summary>
public enum TrainingObjective
{
    /// <summary>Mean softmax cross-entropy of the labels (a classifier).</summary>
    Classification,
    /// <summary>
    /// Mean sigmoid cross-entropy between the model's outputs (logits of σ) and its own input (an
    /// autoencoder: the last layer has as many outputs as the input has values).
    /// </summary>
    Reconstruction,
}
