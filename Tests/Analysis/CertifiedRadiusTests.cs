using IlgpuBlindSpots.Optimizer.Analysis;

namespace IlgpuBlindSpots.Tests.Analysis;

/// <summary>The certificate margin/(√2·L): sound for Lipschitz maps and exact for the identity.</summary>
public class CertifiedRadiusTests
{
    [Fact]
    public void TheMarginIsTheGapToTheRunnerUp()
    {
        float[] z = [0.5f, 3f, -1f, 2.25f];
        Assert.Equal(0.75, CertifiedRadius.Margin(z, 1), tolerance: 1e-12);
        Assert.Equal(-2.5, CertifiedRadius.Margin(z, 0), tolerance: 1e-12);
    }

    [Fact]
    public void ForTheIdentityMapTheRadiusIsTheExactDistanceToALabelChange()
    {
        // f = identity is 1-Lipschitz; z_y − z_k reaches 0 first along e_k − e_y, at distance (z_y − z_k)/√2.
        var z = Rand.Uniform(41, 6, -3f, 3f);
        int y = Array.IndexOf(z, z.Max());
        double exact = Enumerable.Range(0, z.Length).Where(k => k != y).Min(k => ((double)z[y] - z[k]) / Math.Sqrt(2));
        Assert.Equal(exact, CertifiedRadius.Of(z, y, 1.0), tolerance: 1e-12);
    }

    [Fact]
    public void ForALinearMapNoLabelChangeIsCloserThanTheRadius()
    {
        // f(x) = W x: the nearest x + r with z_y = z_k is at distance (z_y − z_k)/‖Wᵀ(e_y − e_k)‖, exactly.
        const int classes = 5, n = 8;
        var w = Rand.Uniform(42, classes * n).Select(v => (double)v).ToArray();
        double lipschitz = SingularValuesReference.Of(w, classes, n)[0];
        for (int trial = 0; trial < 20; trial++)
        {
            var x = Rand.Uniform(43 + trial, n);
            var z = new float[classes];
            for (int k = 0; k < classes; k++)
                z[k] = (float)Enumerable.Range(0, n).Sum(i => w[k * n + i] * x[i]);
            int y = Array.IndexOf(z, z.Max());
            double radius = CertifiedRadius.Of(z, y, lipschitz);
            Assert.True(radius > 0);
            for (int k = 0; k < classes; k++)
            {
                if (k == y) continue;
                double rowNorm = Math.Sqrt(Enumerable.Range(0, n).Sum(i => Math.Pow(w[y * n + i] - w[k * n + i], 2)));
                double distance = ((double)z[y] - z[k]) / rowNorm;
                Assert.True(distance >= radius * (1 - 1e-6), $"class {k} is {distance:R} away, inside the radius {radius:R}");
            }
        }
    }

    [Fact]
    public void NothingIsCertifiedWhenTheLabelIsNotTheStrictArgMax()
    {
        Assert.Equal(0.0, CertifiedRadius.Of([1f, 2f, 0f], 0, 3.0));
        Assert.Equal(0.0, CertifiedRadius.Of([2f, 2f, 0f], 0, 3.0));
        Assert.Equal(0.0, CertifiedRadius.Of([float.NaN, 2f, 0f], 1, 3.0));
    }

    [Fact]
    public void TheRadiusScalesWithTheMarginOverTheBound()
    {
        Assert.Equal(1.0 / (Math.Sqrt(2) * 4.0), CertifiedRadius.Of([0f, 1f], 1, 4.0), tolerance: 1e-15);
    }

    [Fact]
    public void BadArgumentsAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CertifiedRadius.Of([1f, 0f], 2, 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => CertifiedRadius.Of([1f, 0f], 0, 0.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => CertifiedRadius.Of([1f, 0f], 0, double.PositiveInfinity));
        Assert.Throws<ArgumentException>(() => CertifiedRadius.Of([1f], 0, 1.0));
    }
}
