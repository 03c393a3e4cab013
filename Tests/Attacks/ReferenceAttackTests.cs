using IlgpuBlindSpots.Optimizer.Attacks;
using ILGPU.Runtime;

namespace IlgpuBlindSpots.Tests.Attacks;

/// <summary>
/// The baselines sharing the attack plumbing: Gaussian noise, FGSM and PGD, on the digit model:
/// budgets and the box kept exactly, FGSM against a step computed from the model's own input
/// gradient, noise of the requested spread.
/// </summary>
public class ReferenceAttackTests
{
    private static TrainedDigitModel Digits => TrainedDigitModel.Instance;

    [Fact]
    public void UntargetedFgsmIsTheClassicSignStepUpTheCrossEntropyOfTheLabel()
    {
        const double epsilon = 0.1;
        var (inputs, labels) = Digits.Batch(Digits.Correct.Take(12));
        using var _ = inputs;
        var results = new FgsmAttack(epsilon).Run(Digits.Model, inputs, labels, new Misclassification());
        // The independent path: the model's own cross-entropy gradient (Goodfellow et al.: x + ε·sign(∇CE(x, y))).
        using var tl = TestDevice.Current.Accelerator.Allocate1D(labels);
        float[] g = Digits.Model.InputGradient(inputs, tl.View).InputGradient.ToArray();
        float[] x = inputs.ToArray();
        CheckSignStep(results, x, g, epsilon, ascend: true);
        Assert.Contains(results, r => r.Success);
    }

    [Fact]
    public void TargetedFgsmStepsDownTheCrossEntropyOfTheTarget()
    {
        const double epsilon = 0.05;
        var (inputs, labels) = Digits.Batch(Digits.Correct.Skip(12).Take(12));
        using var _ = inputs;
        int[] targets = TargetSelection.Random(labels, 10, seed: 3);
        var results = new FgsmAttack(epsilon).Run(Digits.Model, inputs, labels, new TargetedMisclassification(targets));
        using var tt = TestDevice.Current.Accelerator.Allocate1D(targets);
        float[] g = Digits.Model.InputGradient(inputs, tt.View).InputGradient.ToArray();
        CheckSignStep(results, inputs.ToArray(), g, epsilon, ascend: false);
        Assert.Equal(targets, results.Select(r => r.Target));
    }

    [Theory]
    [InlineData(Distance.LInf, 0.1, true)]
    [InlineData(Distance.LInf, 0.1, false)]
    [InlineData(Distance.L2, 1.5, true)]
    [InlineData(Distance.Rms, 0.05, false)]
    public void PgdKeepsItsBallAndTheBoxAndBeatsOneStep(Distance norm, double epsilon, bool randomStart)
    {
        var (inputs, labels) = Digits.Batch(Digits.Correct.Skip(24).Take(12));
        using var _ = inputs;
        var attack = new PgdAttack(norm, epsilon, steps: 20, randomStart: randomStart, seed: 9);
        var results = attack.Run(Digits.Model, inputs, labels, new Misclassification());
        float[] x = inputs.ToArray();
        double radius = norm == Distance.Rms ? epsilon * Math.Sqrt(784) : epsilon;
        foreach (var r in results)
        {
            Assert.Equal(20, r.Evaluations);
            var original = x.Skip(r.Index * 784).Take(784).Select(v => (double)v).ToArray();
            if (norm == Distance.LInf)
                for (int k = 0; k < 784; k++)
                {
                    Assert.InRange(r.Adversarial[k], 0f, 1f);
                    Assert.True(Math.Abs(r.Adversarial[k] - original[k]) <= epsilon + AttackKernelTests.Ulp(1f));
                }
            else
                AttackKernelTests.AssertInBallAndBox(r.Adversarial, original, radius);
            Assert.Equal(Distortions.Between(x.AsSpan(r.Index * 784, 784), r.Adversarial), r.Distortion);
        }
        // Twenty projected steps find at least as many adversarial inputs as one step of the whole budget.
        var oneStep = new PgdAttack(norm, epsilon, steps: 1, stepSize: epsilon, randomStart: false)
            .Run(Digits.Model, inputs, labels, new Misclassification());
        Assert.True(results.Count(r => r.Success) >= oneStep.Count(r => r.Success));
        Assert.True(results.Count(r => r.Success) > 0);
    }

    [Fact]
    public void OneFullPgdStepUnderLInfWithoutRandomStartIsFgsm()
    {
        var (inputs, labels) = Digits.Batch(Digits.Correct.Take(6));
        using var _ = inputs;
        var pgd = new PgdAttack(Distance.LInf, 0.08, steps: 1, stepSize: 0.08, randomStart: false)
            .Run(Digits.Model, inputs, labels, new NextClass());
        var fgsm = new FgsmAttack(0.08).Run(Digits.Model, inputs, labels, new NextClass());
        for (int i = 0; i < labels.Length; i++) Assert.Equal(fgsm[i].Adversarial, pgd[i].Adversarial);
    }

    [Fact]
    public void GaussianNoiseHasTheRequestedStandardDeviationBeforeClipping()
    {
        const double sigma = 0.04;
        const int batch = 6, n = 784;
        // Mid-grey inputs: 12σ from either bound, so nothing is clipped and r is the raw noise.
        using var inputs = Tensor.FromArray(TestDevice.Current, Enumerable.Repeat(0.5f, batch * n).ToArray(), batch, 1, 28, 28);
        // Labelled as the model sees them, so every example is attacked.
        int grey = LbfgsAttackTests.ArgMax(Digits.Model.Logits(inputs).ToArray().Take(10).ToArray());
        int[] labels = Enumerable.Repeat(grey, batch).ToArray();
        var noisy = new GaussianNoiseAttack(sigma, seed: 11).Run(Digits.Model, inputs, labels, new Misclassification());
        Assert.All(noisy, e => Assert.False(e.AlreadyMisclassified));
        var r = noisy.SelectMany(e => e.Adversarial.Select(v => v - 0.5)).ToArray();
        double mean = r.Average(), std = Math.Sqrt(r.Sum(v => (v - mean) * (v - mean)) / (r.Length - 1));
        // Sampling error of a standard deviation from N values is about σ/√(2N): 4 of those, and 4 standard errors of the mean.
        Assert.InRange(std, sigma * (1 - 4 / Math.Sqrt(2.0 * r.Length)), sigma * (1 + 4 / Math.Sqrt(2.0 * r.Length)));
        Assert.InRange(mean, -4 * sigma / Math.Sqrt(r.Length), 4 * sigma / Math.Sqrt(r.Length));
        Assert.All(noisy, e => Assert.Equal(e.Distortion.Rms, Math.Sqrt(e.Adversarial.Sum(v => (v - 0.5) * (v - 0.5)) / n), 12));
    }

    [Fact]
    public void GaussianNoiseIsClippedIntoTheBoxAndRepeatsWithItsSeed()
    {
        var (inputs, labels) = Digits.Batch(Digits.Correct.Take(4));
        using var _ = inputs;
        var a = new GaussianNoiseAttack(0.5, seed: 1).Run(Digits.Model, inputs, labels, new Misclassification());
        var b = new GaussianNoiseAttack(0.5, seed: 1).Run(Digits.Model, inputs, labels, new Misclassification());
        var c = new GaussianNoiseAttack(0.5, seed: 2).Run(Digits.Model, inputs, labels, new Misclassification());
        float[] x = inputs.ToArray();
        for (int i = 0; i < labels.Length; i++)
        {
            Assert.All(a[i].Adversarial, v => Assert.InRange(v, 0f, 1f));
            // σ = 0.5 pushes many values past the bounds: exactly 0 and 1 appear where x was not.
            Assert.Contains(a[i].Adversarial.Select((v, k) => (v, k)), t => t.v == 1f && x[i * 784 + t.k] < 1f);
            Assert.Contains(a[i].Adversarial.Select((v, k) => (v, k)), t => t.v == 0f && x[i * 784 + t.k] > 0f);
            Assert.Equal(a[i].Adversarial, b[i].Adversarial);
            Assert.NotEqual(a[i].Adversarial, c[i].Adversarial);
            Assert.Equal(0, a[i].Evaluations);
        }
    }

    [Fact]
    public void BudgetsOutOfRangeAreRefused()
    {
        Assert.Throws<BlindSpotsException>(() => new FgsmAttack(-0.1));
        Assert.Throws<BlindSpotsException>(() => new FgsmAttack(double.NaN));
        Assert.Throws<BlindSpotsException>(() => new PgdAttack(Distance.L2, 1, steps: 0));
        Assert.Throws<BlindSpotsException>(() => new PgdAttack(Distance.LInf, -1));
        Assert.Throws<BlindSpotsException>(() => new PgdAttack((Distance)7, 1));
        Assert.Throws<BlindSpotsException>(() => new GaussianNoiseAttack(-1));
        Assert.Throws<BlindSpotsException>(() => new GaussianNoiseAttack(0.1, batchSize: 0));
    }

    /// <summary>
    /// Each result is clamp(x ± ε·sign(g), box ∩ ball) wherever g is clearly nonzero (a component
    /// within rounding of 0 may take either sign in two differently computed gradients).
    /// </summary>
    private static void CheckSignStep(IReadOnlyList<AttackResult> results, float[] x, float[] g, double epsilon, bool ascend)
    {
        foreach (var r in results)
        {
            int row = r.Index * 784;
            float scale = g.Skip(row).Take(784).Max(Math.Abs);
            int compared = 0;
            for (int k = 0; k < 784; k++)
            {
                float xi = x[row + k], gi = g[row + k];
                Assert.InRange(r.Adversarial[k], 0f, 1f);
                Assert.True(Math.Abs(r.Adversarial[k] - xi) <= epsilon + AttackKernelTests.Ulp(1f));
                if (Math.Abs(gi) <= 1e-4f * scale) continue;
                float step = (float)epsilon * Math.Sign(gi) * (ascend ? 1 : -1);
                float expected = Math.Clamp(xi + step, Math.Max(0f, xi - (float)epsilon), Math.Min(1f, xi + (float)epsilon));
                Assert.Equal(expected, r.Adversarial[k], 6);
                compared++;
            }
            Assert.True(compared > 100, $"example {r.Index}: only {compared} gradient components clearly nonzero");
            Assert.Equal(1, r.Evaluations);
        }
    }
}
