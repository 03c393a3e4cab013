namespace IlgpuBlindSpots.Tests.Reference;

/// <summary>Central-difference gradients of a float64 scalar function, to check backward passes against their forward pass.</summary>
internal static class FiniteDifferences
{
    /// <summary>
    /// dL/dp[i] ≈ (L(p + h·eᵢ) − L(p − h·eᵢ)) / 2h for every i; <paramref name="parameters"/> is
    /// perturbed in place and restored. The step must stay below any kink of L (for max-pooling:
    /// half the smallest gap between two values of a window).
    /// </summary>
    public static double[] Gradient(double[] parameters, Func<double> loss, double h = 1e-4)
    {
        var grad = new double[parameters.Length];
        for (int i = 0; i < parameters.Length; i++)
        {
            double keep = parameters[i];
            parameters[i] = keep + h;
            double up = loss();
            parameters[i] = keep - h;
            double down = loss();
            parameters[i] = keep;
            grad[i] = (up - down) / (2 * h);
        }
        return grad;
    }
}
