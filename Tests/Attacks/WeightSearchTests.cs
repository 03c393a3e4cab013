using IlgpuBlindSpots.Optimizer.Attacks;

namespace IlgpuBlindSpots.Tests.Attacks;

/// <summary>
/// The search for the weight c on synthetic verdicts: success exactly when c ≤ c*, so the search
/// must end with c* inside a bracket no wider than the tolerance, whatever K and c*.
/// </summary>
public class WeightSearchTests
{
    [Theory]
    [InlineData(1, 3.7)]
    [InlineData(1, 0.013)]
    [InlineData(4, 3.7)]
    [InlineData(4, 0.013)]
    [InlineData(4, 1.0)]
    [InlineData(7, 250.0)]
    public void EndsWithTheThresholdInsideABracketWithinTheTolerance(int perRound, double threshold)
    {
        var (search, _) = Search(perRound, threshold);
        Assert.True(search.Succeeded > 0 && search.Succeeded <= threshold);
        Assert.True(search.Failed > threshold);
        Assert.True(search.Failed <= search.Succeeded * 1.05);
    }

    [Theory]
    [InlineData(3.7)]
    [InlineData(0.013)]
    [InlineData(250.0)]
    public void MoreWeightsPerRoundTakeFewerRounds(double threshold)
    {
        int one = Search(1, threshold).Search.Rounds, four = Search(4, threshold).Search.Rounds;
        Assert.True(four < one, $"K = 4 took {four} rounds, K = 1 took {one}");
    }

    [Fact]
    public void TheFirstRoundIsCentredOnTheInitialWeightAndLaterOnesStayInsideTheBracket()
    {
        var search = new WeightSearch(initial: 1, factor: 2, perRound: 3);
        Assert.Equal([0.5, 1, 2], search.Next());
        search.Record([0.5, 1, 2], [true, true, false]);
        Assert.Equal(1, search.Succeeded);
        Assert.Equal(2, search.Failed);
        var next = search.Next();
        Assert.Equal(3, next.Length);
        Assert.All(next, w => Assert.InRange(w, 1.0001, 1.9999));
        // Equal steps on a log scale.
        Assert.Equal(Math.Log(next[1] / next[0]), Math.Log(next[2] / next[1]), 12);
    }

    [Fact]
    public void AFailureBelowTheBestSuccessIsIgnored()
    {
        var search = new WeightSearch(initial: 1, factor: 2, perRound: 1);
        search.Record([1], [true]);
        search.Record([2], [false]);
        search.Record([1.5], [true]);
        Assert.Equal(1.5, search.Succeeded);
        Assert.Equal(2, search.Failed);
        // A success above the failure (success is not monotone in c): the failure no longer bounds it.
        search.Record([2.5], [true]);
        Assert.Equal(2.5, search.Succeeded);
        Assert.True(double.IsPositiveInfinity(search.Failed));
    }

    [Fact]
    public void ItGivesUpBelowTheMinimumWeightAndStopsAboveTheMaximum()
    {
        var never = Search(1, threshold: 0, minimum: 1e-3).Search;
        Assert.Equal(0, never.Succeeded);
        Assert.True(never.Failed <= 1e-3);
        var always = Search(2, threshold: double.PositiveInfinity, maximum: 1e3).Search;
        Assert.True(always.Succeeded >= 1e3);
        Assert.True(double.IsPositiveInfinity(always.Failed));
    }

    private static (WeightSearch Search, int Solves) Search(int perRound, double threshold, double minimum = 1e-6, double maximum = 1e6)
    {
        var search = new WeightSearch(initial: 1, factor: 2, perRound);
        int solves = 0;
        while (!search.Finished(0.05, minimum, maximum, maxRounds: 100))
        {
            var w = search.Next();
            search.Record(w, w.Select(c => c <= threshold).ToArray());
            solves += w.Length;
        }
        Assert.True(search.Rounds < 100, "the search did not converge");
        return (search, solves);
    }
}
