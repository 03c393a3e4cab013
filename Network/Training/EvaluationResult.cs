namespace IlgpuBlindSpots.Network.Training;

/// <summary>A model on a labelled data set: the predicted class of every example, the error rate and the mean cross-entropy.</summary>
/// <param name="Count">Examples evaluated.</param>
/// <param name="Errors">Examples whose predicted class is not the label.</param>
/// <param name="MeanLoss">Mean cross-entropy, in nats.</param>
/// <param name="Predictions">The predicted class of each example, in data set order.</param>
public sealed record EvaluationResult(int Count, int Errors, double MeanLoss, int[] Predictions)
{
    /// <summary>Errors / Count, in [0, 1]; 0 for an empty data set.</summary>
    public double ErrorRate => Count == 0 ? 0 : (double)Errors / Count;
}
