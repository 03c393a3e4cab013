namespace IlgpuBlindSpots.Optimizer.Statistics;

/// <summary>
/// The mean of a sample with its Student-t confidence interval: mean ± t_{(1+c)/2, n−1}·s/√n,
/// s the sample standard deviation (n − 1 in the denominator).
/// </summary>
/// <remarks>
/// The t-interval assumes the mean is close to normally distributed, which for the 100 or so
/// per-direction values of bounded measures (purity, cosine similarity) the central limit theorem
/// makes reasonable; with fewer than 2 values there is no interval and its ends are NaN.
/// </remarks>
/// <param name="Count">How many values.</param>
/// <param name="Mean">Their mean.</param>
/// <param name="StandardDeviation">Sample standard deviation; NaN for fewer than 2 values.</param>
/// <param name="Low">Lower end of the interval.</param>
/// <param name="High">Upper end of the interval.</param>
/// <param name="Confidence">The interval's confidence level, e.g. 0.95.</param>
public sealed record MeanInterval(int Count, double Mean, double StandardDeviation, double Low, double High, double Confidence)
{
    /// <summary>Half the interval's width: the ± of mean ± half-width.</summary>
    public double HalfWidth => (High - Low) / 2;

    /// <summary>The mean and t-interval of <paramref name="values"/> at <paramref name="confidence"/>.</summary>
    public static MeanInterval Of(IReadOnlyList<double> values, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (!(confidence > 0 && confidence < 1))
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "confidence must be in (0, 1)");
        int n = values.Count;
        if (n == 0) return new MeanInterval(0, double.NaN, double.NaN, double.NaN, double.NaN, confidence);
        double mean = values.Average();
        if (n == 1) return new MeanInterval(1, mean, double.NaN, double.NaN, double.NaN, confidence);
        double sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (n - 1));
        double half = StudentT.Quantile((1 + confidence) / 2, n - 1) * sd / Math.Sqrt(n);
        return new MeanInterval(n, mean, sd, mean - half, mean + half, confidence);
    }
}
