namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>Cosine annealing (Loshchilov and Hutter 2017), the step-size schedule of DDN and FMN.</summary>
internal static class CosineSchedule
{
    /// <summary>The value at step k of K: <paramref name="final"/> + (initial − final)·(1 + cos(πk/K))/2, initial at k = 0, final at k = K.</summary>
    public static double At(double initial, double final, int k, int steps) =>
        final + (initial - final) * (1 + Math.Cos(Math.PI * k / steps)) / 2;
}
