using IlgpuBlindSpots.Optimizer.Units;

namespace IlgpuBlindSpots.Tests.Units;

/// <summary>Label purity, group similarity and tie detection on hand-made cases whose answers are known.</summary>
public class MeasuresTests
{
    [Theory]
    [InlineData(new[] { 3, 3, 3, 3 }, 1.0)]
    [InlineData(new[] { 1, 2, 3, 4 }, 0.25)]
    [InlineData(new[] { 1, 1, 2, 2, 2, 7 }, 0.5)]
    [InlineData(new[] { 0, 9, 9, 9, 9, 9, 0, 1 }, 0.625)]
    public void PurityIsTheShareOfTheMostCommonLabel(int[] labels, double expected) =>
        Assert.Equal(expected, LabelPurity.Of(labels), 12);

    [Fact]
    public void SimilarityIsTheMeanPairwiseCosineWithZeroRowsCountingZero()
    {
        float[] rows =
        [
            1, 0, 0,   // 0
            2, 0, 0,   // 1: same direction as 0
            0, 3, 0,   // 2: orthogonal to 0 and 1
            0, 0, 0,   // 3: all zeros
            1, 1, 0,   // 4: 45° from 0
            -1, 0, 0,  // 5: opposite to 0
        ];
        using var activations = Tensor.FromArray(TestDevice.Current, rows, 6, 3);
        var three = GroupSimilarity.MeanPairwiseCosine(activations, [0, 1, 2, 0, 4, 3], 3);
        Assert.Equal(1.0 / 3, three[0], 12);                   // cos 1, 0, 0
        Assert.Equal(Math.Sqrt(0.5) / 3, three[1], 12);        // cos 1/√2, 0 (zero row), 0 (zero row)
        var two = GroupSimilarity.MeanPairwiseCosine(activations, [1, 4, 0, 5], 2);
        Assert.Equal(Math.Sqrt(0.5), two[0], 12);
        Assert.Equal(-1.0, two[1], 12);

        // About the centre (1, 0, 0): row 1 becomes e₀, row 5 −2e₀, row 0 the zero vector.
        using var center = Tensor.FromArray(TestDevice.Current, [1f, 0f, 0f], 3);
        var centred = GroupSimilarity.MeanPairwiseCosine(activations, [1, 5, 0, 4], 2, center);
        Assert.Equal(-1.0, centred[0], 12);                    // e₀ against −2e₀
        Assert.Equal(0.0, centred[1], 12);                     // row 0 sits on the centre: a zero vector
    }

    [Fact]
    public void MeanActivationIsTheColumnMean()
    {
        using var activations = Tensor.FromArray(TestDevice.Current, [1f, 10f, 2f, 20f, 6f, 0f], 3, 2);
        using var mean = GroupSimilarity.MeanActivation(activations);
        Assert.Equal(new[] { 3f, 10f }, mean.ToArray());
    }

    [Fact]
    public void OutcomesCarryPurityAndSimilarityOfTheTopImagesAndFlagConstantUnits()
    {
        // Unit 0 rises with the row number; unit 1 is the same for every row (a dead unit).
        const int n = 10, k = 4;
        var rows = new float[n * 2];
        for (int i = 0; i < n; i++) rows[i * 2] = i;
        using var activations = Tensor.FromArray(TestDevice.Current, rows, n, 2);
        int[] labels = [0, 0, 0, 0, 0, 0, 7, 7, 7, 2];
        using var mean = GroupSimilarity.MeanActivation(activations);
        var outcomes = UnitAnalysis.Outcomes(activations, mean, DirectionSet.Natural(2, 2, seed: 1), labels, k);

        Assert.Equal(new[] { 9, 8, 7, 6 }, outcomes[0].Images);
        Assert.Equal(new[] { 2, 7, 7, 7 }, outcomes[0].Labels);
        Assert.Equal(0.75, outcomes[0].Purity, 12);
        Assert.Equal(1.0, outcomes[0].Similarity, 12);         // all rows point along e₀
        Assert.Equal(1.0, outcomes[0].CenteredSimilarity, 12); // and about the mean (4.5, 0) too: rows 9..6 lie beyond it
        Assert.False(outcomes[0].Tied);

        Assert.True(outcomes[1].Tied);                          // all projections 0: picked by the tie-break
        Assert.Equal(new[] { 0, 1, 2, 3 }, outcomes[1].Images);
    }
}
