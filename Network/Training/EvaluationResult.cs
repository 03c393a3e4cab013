namespace IlgpuBlindSpots.Network.Training;

/// <summary>A model on a labelled data set: the predicted class of every example, the error rate and the mean cross-entropy.</summary>
public sealed record EvaluationResult(int Count, int Errors, double MeanLoss, int[] Predictions)
{
    public double ErrorRate => Count == 0 ? 0 : (double)Errors / Count;
}
