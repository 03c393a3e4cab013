using IlgpuBlindSpots.Optimizer.Statistics;

namespace IlgpuBlindSpots.Tests.Statistics;

/// <summary>
/// Student's t against closed forms and published quantiles, its p-values against float64
/// integration of the density, and the interval and tests on samples worked by hand.
/// </summary>
public class StatisticsTests
{
    [Theory]
    [InlineData(0.5, 0.5723649429247001)]   // ln Γ(½) = ln √π
    [InlineData(5.0, 3.1780538303479458)]   // ln 24
    [InlineData(3.5, 1.2009736023470743)]   // ln(15√π/8)
    [InlineData(0.1, 2.2527126517342060)]   // ln 9.513507698668732
    public void LogGammaMatchesKnownValues(double x, double expected) =>
        Assert.Equal(expected, StudentT.LogGamma(x), 12);

    [Theory]
    [InlineData(-3.0)]
    [InlineData(-0.4)]
    [InlineData(0.0)]
    [InlineData(1.7)]
    [InlineData(25.0)]
    public void CdfMatchesTheClosedFormsForOneAndTwoDegreesOfFreedom(double t)
    {
        Assert.Equal(0.5 + Math.Atan(t) / Math.PI, StudentT.Cdf(t, 1), 12);
        Assert.Equal(0.5 + t / (2 * Math.Sqrt(2 + t * t)), StudentT.Cdf(t, 2), 12);
    }

    [Theory]
    [InlineData(1, 12.706204736174698)]
    [InlineData(4, 2.7764451051977934)]
    [InlineData(10, 2.2281388519862744)]
    [InlineData(30, 2.0422724563012378)]
    public void QuantilesMatchPublishedTables(double nu, double expected)
    {
        Assert.Equal(expected, StudentT.Quantile(0.975, nu), 8);
        Assert.Equal(-expected, StudentT.Quantile(0.025, nu), 8);
    }

    [Theory]
    [InlineData(1.8973665961010275, 5.882352941176471)]
    [InlineData(0.3, 2.5)]
    [InlineData(4.0, 97.3)]
    public void TwoSidedPMatchesIntegratingTheDensity(double t, double nu)
    {
        // p = 1 − 2∫₀^t f(s) ds by composite Simpson with 20,000 intervals, f the t density.
        double logC = StudentT.LogGamma((nu + 1) / 2) - StudentT.LogGamma(nu / 2) - 0.5 * Math.Log(nu * Math.PI);
        double F(double s) => Math.Exp(logC - (nu + 1) / 2 * Math.Log(1 + s * s / nu));
        const int n = 20_000;
        double h = t / n, sum = F(0) + F(t);
        for (int i = 1; i < n; i++) sum += (i % 2 == 1 ? 4 : 2) * F(i * h);
        double expected = 1 - 2 * sum * h / 3;
        Assert.Equal(expected, StudentT.TwoSidedP(t, nu), 9);
        Assert.Equal(expected, StudentT.TwoSidedP(-t, nu), 9);
    }

    [Fact]
    public void MeanIntervalIsMeanPlusMinusTTimesTheStandardError()
    {
        var i = MeanInterval.Of([1.0, 2, 3, 4, 5]);
        Assert.Equal(5, i.Count);
        Assert.Equal(3.0, i.Mean, 12);
        Assert.Equal(Math.Sqrt(2.5), i.StandardDeviation, 12);
        double half = 2.7764451051977934 * Math.Sqrt(2.5) / Math.Sqrt(5);
        Assert.Equal(3 - half, i.Low, 8);
        Assert.Equal(3 + half, i.High, 8);
        Assert.True(double.IsNaN(MeanInterval.Of([4.0]).Low));
    }

    [Fact]
    public void WelchTestOnAWorkedExample()
    {
        // Means 3 and 6, variances 2.5 and 10, n = 5 each: se² = 0.5 + 2 = 2.5, ν = 6.25 / (0.0625 + 1).
        var w = WelchTest.Of([1.0, 2, 3, 4, 5], [2.0, 4, 6, 8, 10]);
        Assert.Equal(-3.0, w.Difference, 12);
        Assert.Equal(-3 / Math.Sqrt(2.5), w.T, 12);
        Assert.Equal(6.25 / 1.0625, w.DegreesOfFreedom, 12);
        Assert.Equal(StudentT.TwoSidedP(3 / Math.Sqrt(2.5), 6.25 / 1.0625), w.P, 12);
        double half = StudentT.Quantile(0.975, 6.25 / 1.0625) * Math.Sqrt(2.5);
        Assert.Equal(-3 - half, w.Low, 10);
        Assert.Equal(-3 + half, w.High, 10);
        Assert.InRange(w.P, 0.05, 0.2);

        Assert.Equal(1.0, WelchTest.Of([2.0, 2], [2.0, 2]).P);   // identical constants: no difference
        Assert.Equal(0.0, WelchTest.Of([1.0, 1], [2.0, 2]).P);   // different constants: certain
    }

    [Fact]
    public void PermutationTestFindsSeparatedGroupsAndNotIdenticalOnes()
    {
        // Two groups of 5 with no overlap: of the C(10,5) = 252 splits, 2 are as extreme (p = 2/252).
        double p = PermutationTest.DifferenceOfMeans([1.0, 2, 3, 4, 5], [6.0, 7, 8, 9, 10], 20_000, seed: 3);
        Assert.InRange(p, 0.005, 0.012);
        Assert.Equal(1.0, PermutationTest.DifferenceOfMeans([1.0, 2, 3], [3.0, 2, 1], 1000, seed: 3));
        Assert.Equal(p, PermutationTest.DifferenceOfMeans([1.0, 2, 3, 4, 5], [6.0, 7, 8, 9, 10], 20_000, seed: 3));
    }
}
