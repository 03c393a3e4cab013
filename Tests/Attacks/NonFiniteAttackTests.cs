using IlgpuBlindSpots.Optimizer.Attacks;

namespace IlgpuBlindSpots.Tests.Attacks;

/// <summary>
/// An attack's perturbed input that holds a value which is not a number is never reported as a
/// success, whatever the model predicts for it: the example keeps its original input.
/// </summary>
public class NonFiniteAttackTests
{
    /// <summary>Sets every even example's adversarial input to NaN, moves every odd one to a blank image.</summary>
    private sealed class BrokenAttack() : Attack(64)
    {
        public override Distance Measure => Distance.Rms;

        private protected override void Perturb(AttackBatch batch, AttackLoss loss)
        {
            for (int p = 0; p < batch.Count; p++)
                batch.Adversarial(p).Fill(batch.Examples[p] % 2 == 0 ? float.NaN : 0f);
        }
    }

    [Fact]
    public void APerturbationWithANaNIsDroppedAndNeverASuccess()
    {
        var t = TrainedDigitModel.Instance;
        var examples = t.Data.Slice(0, 40);
        var results = new BrokenAttack().Run(t.Model, examples, new Misclassification());
        int n = examples.ImageSize;
        foreach (var r in results.Where(r => !r.AlreadyMisclassified))
        {
            Assert.All(r.Adversarial, v => Assert.True(float.IsFinite(v)));
            if (r.Index % 2 == 0)
            {
                Assert.False(r.Success);
                Assert.Equal(r.Label, r.PredictionAfter);
                Assert.Equal(examples.Images.AsSpan(r.Index * n, n).ToArray(), r.Adversarial);
                Assert.Equal(0, r.Distortion.Rms);
            }
        }
        // The odd examples are really perturbed: a blank image is not every digit's label.
        Assert.Contains(results, r => r.Index % 2 == 1 && r.Success);
    }
}
