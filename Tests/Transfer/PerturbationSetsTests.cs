using IlgpuBlindSpots.Optimizer.Transfer;

namespace IlgpuBlindSpots.Tests.Transfer;

/// <summary>The amplified and noise rows of the transfer tables against float64 references.</summary>
public class PerturbationSetsTests
{
    [Theory]
    [InlineData(1, 5, 0.1)]
    [InlineData(7, 784, 0.1)]
    [InlineData(3, 17, 0.4)]
    public void AmplifyScalesThePerturbationsByOneFactorToTheSetDistortionThenClips(int count, int n, double distortion)
    {
        var rng = new Random(count * 31 + n);
        var x = new float[count * n];
        var adversarial = new float[count * n];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)rng.NextDouble();
            adversarial[i] = Math.Clamp(x[i] + (float)(0.05 * (rng.NextDouble() - 0.5)), 0f, 1f);
        }
        // Row 0 unperturbed (when there are others): it stays unperturbed, and counts in the set's mean.
        if (count > 1) Array.Copy(x, adversarial, n);

        var amplified = PerturbationSets.Amplify(TestDevice.Current, x, adversarial, n, distortion);

        double mean = 0;
        for (int p = 0; p < count; p++)
        {
            double norm = 0;
            for (int i = p * n; i < (p + 1) * n; i++) norm += ((double)adversarial[i] - x[i]) * ((double)adversarial[i] - x[i]);
            mean += Math.Sqrt(norm / n) / count;
        }
        double scale = mean > 0 ? distortion / mean : 0;
        for (int p = 0; p < count; p++)
        {
            for (int i = p * n; i < (p + 1) * n; i++)
            {
                double expected = Math.Clamp(x[i] + scale * ((double)adversarial[i] - x[i]), 0, 1);
                Assert.True(Math.Abs(expected - amplified[i]) <= 1e-5, $"row {p}, value {i}: {amplified[i]} vs {expected}");
            }
        }
        // Clipping only shrinks a perturbation: the set's measured distortion is at most the target.
        Assert.InRange(PerturbationSets.MeanDistortion(x, amplified, n), 0.3 * distortion, distortion * (1 + 1e-5));
    }

    [Fact]
    public void GaussianNoiseIsClippedSeededAndOfTheRightSize()
    {
        int n = 784, count = 50;
        var x = Enumerable.Repeat(0.5f, n * count).ToArray();
        var a = PerturbationSets.GaussianNoise(x, n, 0.1, seed: 3);
        var b = PerturbationSets.GaussianNoise(x, n, 0.1, seed: 3);
        var c = PerturbationSets.GaussianNoise(x, n, 0.1, seed: 4);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        // Around 0.5 a stddev of 0.1 is almost never clipped: the distortion is close to 0.1.
        Assert.InRange(PerturbationSets.MeanDistortion(x, a, n), 0.098, 0.102);
        var wide = PerturbationSets.GaussianNoise(x, n, 3.0, seed: 3);
        Assert.All(wide, v => Assert.InRange(v, 0f, 1f));
    }

    [Fact]
    public void AmplifyRejectsANonPositiveDistortion()
    {
        var e = Assert.Throws<BlindSpotsException>(() => PerturbationSets.Amplify(TestDevice.Current, [0.5f], [0.6f], 1, 0));
        Assert.Contains("must be a positive number", e.Message);
    }
}
