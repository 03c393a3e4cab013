namespace IlgpuBlindSpots.Tests.Reference;

/// <summary>L2 weight decay in float64: penalty λ/2·|w|², gradient λ·w.</summary>
internal static class WeightDecayReference
{
    public static double Penalty(double[] w, double lambda) => lambda / 2 * w.Sum(v => v * v);

    /// <summary>grad + λ·w.</summary>
    public static double[] AddGradient(float[] w, float[] grad, double lambda) =>
        grad.Select((g, i) => g + lambda * w[i]).ToArray();
}
