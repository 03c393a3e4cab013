using IlgpuBlindSpots.Optimizer.Attacks;

namespace IlgpuBlindSpots.Tests.Attacks;

/// <summary>
/// The minimal-perturbation L-BFGS attack on a small network trained on sample digits: success,
/// verified independently of the attack; the weight search against one fixed weight; batch
/// independence; every-other-class against separate targeted runs; inputs it must refuse or skip.
/// </summary>
public class LbfgsAttackTests
{
    private static TrainedDigitModel Digits => TrainedDigitModel.Instance;

    [Fact]
    public void TheTrainedModelIsGoodEnoughToAttack()
    {
        Assert.True(Digits.HeldOutAccuracy >= 0.75, $"held-out accuracy {Digits.HeldOutAccuracy:P1}");
        Assert.True(Digits.Correct.Count >= 40);
    }

    [Fact]
    public void TargetedAttackSucceedsAndEveryPerturbationIsConfirmedByAnIndependentForwardPass()
    {
        var (inputs, labels) = Digits.Batch(Digits.Correct.Take(20));
        using var _ = inputs;
        var results = new LbfgsAttack().Run(Digits.Model, inputs, labels, new NextClass());

        Assert.Equal(20, results.Count);
        Assert.True(results.Count(r => r.Success) >= 19, $"{results.Count(r => r.Success)} of 20 succeeded");
        var reference = new ModelReference(Digits.Model);
        float[] x = inputs.ToArray();
        foreach (var r in results)
        {
            Assert.False(r.AlreadyMisclassified);
            Assert.Equal((labels[r.Index] + 1) % 10, r.Target);
            Assert.True(r.Evaluations > 0 && r.Iterations > 0);
            Assert.True(r.Seconds > 0);
            var original = x.AsSpan(r.Index * 784, 784);
            Assert.All(r.Adversarial, v => Assert.InRange(v, 0f, 1f));
            Assert.Equal(Distortions.Between(original, r.Adversarial), r.Distortion);
            if (!r.Success) continue;
            Assert.True(r.Weight > 0);
            Assert.True(r.Distortion.Rms > 0);
            // The model alone, one example, float32: exactly the attack's verdict.
            using var one = Tensor.FromArray(TestDevice.Current, r.Adversarial, 1, 1, 28, 28);
            Assert.Equal(r.Target, ArgMax(Digits.Model.Logits(one).ToArray()));
            Assert.Equal(r.Target, r.PredictionAfter);
            // The float64 model: the target leads too, up to float32 rounding of a margin the
            // search deliberately makes small.
            var z = reference.Logits(r.Adversarial.Select(v => (double)v).ToArray());
            double runnerUp = z.Where((_, k) => k != r.Target).Max();
            Assert.True(z[r.Target] - runnerUp > -1e-4, $"example {r.Index}: float64 margin {z[r.Target] - runnerUp}");
        }
    }

    [Fact]
    public void TheWeightSearchFindsSmallerPerturbationsThanOneFixedWeight()
    {
        var (inputs, labels) = Digits.Batch(Digits.Correct.Skip(20).Take(8));
        using var _ = inputs;
        // c = 0.05 weighs the distance lightly: it succeeds, with a larger perturbation than needed.
        var fixedWeight = new LbfgsAttack(new LbfgsAttackOptions { InitialWeight = 0.05, MinWeight = 0.05, MaxRounds = 1 })
            .Run(Digits.Model, inputs, labels, new NextClass());
        var searched = new LbfgsAttack().Run(Digits.Model, inputs, labels, new NextClass());

        Assert.All(fixedWeight, r => Assert.True(r.Success, $"example {r.Index} failed at c = 0.05"));
        Assert.All(fixedWeight, r => Assert.Equal(0.05, r.Weight));
        for (int i = 0; i < labels.Length; i++)
        {
            Assert.True(searched[i].Success);
            Assert.True(searched[i].Weight > 0.05);
            Assert.True(searched[i].Distortion.Rms < fixedWeight[i].Distortion.Rms,
                $"example {i}: searched {searched[i].Distortion.Rms} vs fixed {fixedWeight[i].Distortion.Rms}");
        }
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(3, true)]
    [InlineData(1, false)]
    public void ABatchGivesEachExampleTheResultItGetsAlone(int weightsPerRound, bool compact)
    {
        var indices = Digits.Correct.Skip(28).Take(5).ToList();
        var options = new LbfgsAttackOptions { WeightsPerRound = weightsPerRound, CompactRunning = compact };
        var (inputs, labels) = Digits.Batch(indices);
        using var _ = inputs;
        var batched = new LbfgsAttack(options).Run(Digits.Model, inputs, labels, new NextClass());
        for (int i = 0; i < indices.Count; i++)
        {
            var (one, label) = Digits.Batch([indices[i]]);
            using var __ = one;
            var alone = new LbfgsAttack(options).Run(Digits.Model, one, label, new NextClass())[0];
            var b = batched[i];
            Assert.True(b.Success);
            Assert.Equal(alone.Success, b.Success);
            Assert.Equal(alone.Weight, b.Weight);
            Assert.Equal(alone.Iterations, b.Iterations);
            Assert.Equal(alone.Evaluations, b.Evaluations);
            Assert.Equal(alone.Distortion, b.Distortion);
            Assert.Equal(alone.Adversarial, b.Adversarial);
        }
    }

    /// <summary>
    /// The weight search per problem on the device is the host's lock-step search run another way:
    /// every example ends with the same success, weight (up to the last bits of the bisection's
    /// midpoint), work and perturbation; and it runs as one batch-long L-BFGS run, with no buffer
    /// allocated after its first round and one host read per CheckEvery rounds.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TheSearchOnTheDeviceGivesTheHostSearchsResults(bool compact)
    {
        var indices = Digits.Correct.Skip(3).Take(6).ToList();
        var (inputs, labels) = Digits.Batch(indices);
        using var _ = inputs;
        var onDevice = new LbfgsAttack(new LbfgsAttackOptions { CompactRunning = compact });
        var onHost = new LbfgsAttack(new LbfgsAttackOptions { CompactRunning = compact, SearchOnDevice = false });
        Assert.True(onDevice.SearchesOnDevice);
        Assert.False(onHost.SearchesOnDevice);
        var device = onDevice.Run(Digits.Model, inputs, labels, new Misclassification());
        var host = onHost.Run(Digits.Model, inputs, labels, new Misclassification());
        for (int i = 0; i < indices.Count; i++)
        {
            Assert.Equal(host[i].Success, device[i].Success);
            Assert.Equal(host[i].Stop, device[i].Stop);
            Assert.Equal(host[i].Weight, device[i].Weight, 1e-12 * host[i].Weight);
            Assert.Equal(host[i].Iterations, device[i].Iterations);
            Assert.Equal(host[i].Evaluations, device[i].Evaluations);
            Assert.Equal(host[i].Adversarial, device[i].Adversarial);
        }
        var c = onDevice.Counters;
        Assert.Equal(1, c.Batches);
        Assert.Equal(device.Max(r => r.Evaluations), c.MaxEvaluations);
        Assert.InRange(c.Rounds, c.MaxEvaluations, c.MaxEvaluations + 5);
        Assert.Equal(0, c.AllocationsAfterFirstRound);
        // At most one read per CheckEvery = 5 rounds, the end of the batch's included.
        Assert.True(c.HostReads <= c.Rounds / 5, $"{c.HostReads} reads in {c.Rounds} rounds");
        Assert.True(onHost.Counters.Rounds > c.Rounds, $"host search {onHost.Counters.Rounds} rounds, device {c.Rounds}");
    }

    [Fact]
    public void UntargetedAttackMakesTheModelPredictAnotherClass()
    {
        var (inputs, labels) = Digits.Batch(Digits.Correct.Skip(39).Take(8));
        using var _ = inputs;
        var results = new LbfgsAttack().Run(Digits.Model, inputs, labels, new Misclassification());
        foreach (var r in results)
        {
            Assert.True(r.Success);
            Assert.Equal(-1, r.Target);
            using var one = Tensor.FromArray(TestDevice.Current, r.Adversarial, 1, 1, 28, 28);
            int predicted = ArgMax(Digits.Model.Logits(one).ToArray());
            Assert.NotEqual(r.Label, predicted);
            Assert.Equal(predicted, r.PredictionAfter);
        }
    }

    [Fact]
    public void EveryOtherClassKeepsTheSmallestOfTheSeparateTargetedRuns()
    {
        var (inputs, labels) = Digits.Batch(Digits.Correct.Skip(47).Take(2));
        using var _ = inputs;
        var attack = new LbfgsAttack();
        var every = attack.Run(Digits.Model, inputs, labels, new EveryOtherClass());
        var perTarget = Enumerable.Range(1, 9)
            .Select(shift => attack.Run(Digits.Model, inputs, labels,
                new TargetedMisclassification(labels.Select(l => (l + shift) % 10).ToArray())))
            .ToList();
        for (int i = 0; i < labels.Length; i++)
        {
            var best = perTarget.Select(run => run[i]).Where(r => r.Success).MinBy(r => r.Distortion.Rms)!;
            Assert.True(every[i].Success);
            Assert.Equal(best.Target, every[i].Target);
            Assert.Equal(best.Distortion, every[i].Distortion);
            Assert.Equal(perTarget.Sum(run => run[i].Evaluations), every[i].Evaluations);
        }
    }

    [Fact]
    public void AnInputAlreadyMisclassifiedIsReportedAndNotAttacked()
    {
        var indices = new[] { Digits.Correct[0], Digits.Misclassified[0], Digits.Correct[1] };
        var (inputs, labels) = Digits.Batch(indices);
        using var _ = inputs;
        var results = new LbfgsAttack().Run(Digits.Model, inputs, labels, new NextClass());

        var skipped = results[1];
        Assert.True(skipped.AlreadyMisclassified);
        Assert.NotEqual(skipped.Label, skipped.PredictionBefore);
        Assert.False(skipped.Success);
        Assert.Equal(0, skipped.Evaluations);
        Assert.Equal(Distortions.Zero, skipped.Distortion);
        Assert.Equal(Digits.Data.Image(indices[1]).ToArray(), skipped.Adversarial);
        Assert.True(double.IsNaN(skipped.Weight));
        Assert.False(results[0].AlreadyMisclassified);
        Assert.True(results[0].Success && results[2].Success);
    }

    [Theory]
    [InlineData(0, "its own label")]
    [InlineData(10, "outside the model's classes 0..9")]
    [InlineData(-1, "outside the model's classes 0..9")]
    public void ATargetThatIsTheLabelOrNotAClassIsRefused(int shift, string message)
    {
        var (inputs, labels) = Digits.Batch(Digits.Correct.Take(3));
        using var _ = inputs;
        int[] targets = labels.Select(l => (l + 1) % 10).ToArray();
        targets[1] = shift == 0 ? labels[1] : shift;
        var e = Assert.Throws<BlindSpotsException>(() =>
            new LbfgsAttack().Run(Digits.Model, inputs, labels, new TargetedMisclassification(targets)));
        Assert.Contains(message, e.Message);
        Assert.Contains("example 1", e.Message);
    }

    [Fact]
    public void InputsLabelsAndOptionsThatDoNotFitAreRefused()
    {
        var model = Digits.Model;
        var (inputs, labels) = Digits.Batch(Digits.Correct.Take(2));
        using var _ = inputs;
        var attack = new LbfgsAttack();
        Assert.Contains("3 labels for a batch of 2",
            Assert.Throws<BlindSpotsException>(() => attack.Run(model, inputs, [1, 2, 3], new NextClass())).Message);
        Assert.Contains("label 10 of example 1",
            Assert.Throws<BlindSpotsException>(() => attack.Run(model, inputs, [labels[0], 10], new NextClass())).Message);
        Assert.Contains("1 targets for a batch of 2",
            Assert.Throws<BlindSpotsException>(() => attack.Run(model, inputs, labels, new TargetedMisclassification([3]))).Message);
        using var bright = Tensor.FromArray(TestDevice.Current, Enumerable.Repeat(1.5f, 2 * 784).ToArray(), 2, 1, 28, 28);
        Assert.Contains("outside [0, 1]",
            Assert.Throws<BlindSpotsException>(() => attack.Run(model, bright, labels, new NextClass())).Message);
        using var small = Tensor.Zeros(TestDevice.Current, 2, 1, 14, 14);
        Assert.Contains("expects inputs of [1, 28, 28]",
            Assert.Throws<BlindSpotsException>(() => attack.Run(model, small, labels, new NextClass())).Message);
        Assert.Contains("WeightTolerance",
            Assert.Throws<BlindSpotsException>(() => new LbfgsAttack(new LbfgsAttackOptions { WeightTolerance = 0 })).Message);
        Assert.Contains("WeightsPerRound",
            Assert.Throws<BlindSpotsException>(() => new LbfgsAttack(new LbfgsAttackOptions { WeightsPerRound = 0 })).Message);
    }

    internal static int ArgMax(float[] logits) => Array.IndexOf(logits, logits.Max());
}
