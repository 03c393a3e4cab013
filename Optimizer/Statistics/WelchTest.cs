namespace IlgpuBlindSpots.Optimizer.Statistics;

/// <summary>
/// Welch's t-test of whether two samples have the same mean, not assuming equal variances:
/// t = (x̄₁ − x̄₂)/√(s₁²/n₁ + s₂²/n₂) against Student's t with the Welch–Satterthwaite degrees of
/// freedom, two-sided; with the confidence interval of the difference.
/// </summary>
/// <param name="Difference">x̄₁ − x̄₂.</param>
/// <param name="T">The t statistic (±∞ when both samples are constant and differ).</param>
/// <param name="DegreesOfFreedom">Welch–Satterthwaite ν.</param>
/// <param name="P">Two-sided p-value: the chance of a |t| at least this large if the means were equal.</param>
/// <param name="Low">Lower end of the difference's confidence interval.</param>
/// <param name="High">Upper end of the difference's confidence interval.</param>
public sealed record WelchTest(double Difference, double T, double DegreesOfFreedom, double P, double Low, double High)
{
    /// <summary>The test of <paramref name="first"/> against <paramref name="second"/>, each of at least 2 values.</summary>
    public static WelchTest Of(IReadOnlyList<double> first, IReadOnlyList<double> second, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        int n1 = first.Count, n2 = second.Count;
        if (n1 < 2 || n2 < 2)
            return new WelchTest(double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        double m1 = first.Average(), m2 = second.Average();
        double v1 = first.Sum(v => (v - m1) * (v - m1)) / (n1 - 1) / n1;
        double v2 = second.Sum(v => (v - m2) * (v - m2)) / (n2 - 1) / n2;
        double difference = m1 - m2, se2 = v1 + v2;
        if (se2 == 0)
            return difference == 0
                ? new WelchTest(0, 0, double.NaN, 1, 0, 0)
                : new WelchTest(difference, Math.Sign(difference) * double.PositiveInfinity, double.NaN, 0, difference, difference);
        double se = Math.Sqrt(se2);
        double nu = se2 * se2 / (v1 * v1 / (n1 - 1) + v2 * v2 / (n2 - 1));
        double t = difference / se;
        double half = StudentT.Quantile((1 + confidence) / 2, nu) * se;
        return new WelchTest(difference, t, nu, StudentT.TwoSidedP(t, nu), difference - half, difference + half);
    }
}
