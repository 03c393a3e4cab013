using IlgpuBlindSpots.Optimizer;
using IlgpuBlindSpots.Optimizer.Attacks;

namespace IlgpuBlindSpots.Tests.Attacks;

/// <summary>
/// Why an attack stopped on each example: the weight search's ending on synthetic verdicts, then
/// every ending of the L-BFGS attack forced by its options on the digit model, inputs not attacked,
/// and the attacks of fixed work.
/// </summary>
public class AttackStopReasonTests
{
    private static TrainedDigitModel Digits => TrainedDigitModel.Instance;

    [Theory]
    [InlineData(3.7, 100, AttackStopReason.WeightConverged)]
    [InlineData(0.0, 100, AttackStopReason.MinWeightReached)]
    [InlineData(double.PositiveInfinity, 100, AttackStopReason.MaxWeightReached)]
    [InlineData(3.7, 2, AttackStopReason.MaxRounds)]
    public void TheWeightSearchSaysWhyItEnded(double threshold, int maxRounds, AttackStopReason expected)
    {
        var search = new WeightSearch(initial: 1, factor: 2, perRound: 1);
        Assert.Null(search.Stop(0.05, 1e-3, 1e3, maxRounds));
        while (!search.Finished(0.05, 1e-3, 1e3, maxRounds))
        {
            var w = search.Next();
            search.Record(w, w.Select(c => c <= threshold).ToArray());
        }
        Assert.Equal(expected, search.Stop(0.05, 1e-3, 1e3, maxRounds));
    }

    [Fact]
    public void TheDefaultSearchConvergesAndReportsTheSolveOfTheKeptPerturbation()
    {
        var indices = new[] { Digits.Correct[0], Digits.Misclassified[0], Digits.Correct[1], Digits.Correct[2] };
        var (inputs, labels) = Digits.Batch(indices);
        using var _ = inputs;
        var results = new LbfgsAttack().Run(Digits.Model, inputs, labels, new NextClass());

        Assert.Equal(AttackStopReason.NotAttacked, results[1].Stop);
        Assert.Null(results[1].SolverStop);
        foreach (var r in results.Where(r => !r.AlreadyMisclassified))
        {
            Assert.True(r.Success);
            Assert.Equal(AttackStopReason.WeightConverged, r.Stop);
            Assert.NotNull(r.SolverStop);
            Assert.NotEqual(StopReason.Running, r.SolverStop);
        }
    }

    [Fact]
    public void OptionsThatEndTheSearchEarlyAreNamedAsTheReason()
    {
        var (inputs, labels) = Digits.Batch(Digits.Correct.Take(3));
        using var _ = inputs;
        AttackResult[] Run(LbfgsAttackOptions options) =>
            new LbfgsAttack(options).Run(Digits.Model, inputs, labels, new NextClass()).ToArray();

        // One round at a weight light enough to succeed: the search had no time to narrow.
        Assert.All(Run(new LbfgsAttackOptions { InitialWeight = 0.05, MinWeight = 0.05, MaxRounds = 1 }),
            r => Assert.Equal((true, AttackStopReason.MaxRounds), (r.Success, r.Stop)));
        // A weight so heavy that no perturbation pays, and no lighter one allowed.
        Assert.All(Run(new LbfgsAttackOptions { InitialWeight = 1e4, MinWeight = 1e4 }), r =>
        {
            Assert.Equal((false, AttackStopReason.MinWeightReached), (r.Success, r.Stop));
            Assert.NotNull(r.SolverStop);
        });
        // Successes up to the largest weight allowed.
        Assert.All(Run(new LbfgsAttackOptions { InitialWeight = 0.05, MaxWeight = 0.05 }),
            r => Assert.Equal((true, AttackStopReason.MaxWeightReached), (r.Success, r.Stop)));
    }

    [Fact]
    public void AttacksOfFixedWorkStopWhenTheirStepsAreDoneAndRunNoSolver()
    {
        var (inputs, labels) = Digits.Batch(Digits.Correct.Take(4));
        using var _ = inputs;
        Attack[] attacks = [new FgsmAttack(0.1), new PgdAttack(Distance.LInf, 0.1, steps: 3), new GaussianNoiseAttack(0.1)];
        foreach (var attack in attacks)
            Assert.All(attack.Run(Digits.Model, inputs, labels, new Misclassification()), r =>
            {
                Assert.Equal(AttackStopReason.StepsDone, r.Stop);
                Assert.Null(r.SolverStop);
            });
    }
}
