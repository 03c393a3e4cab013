using IlgpuBlindSpots.Optimizer.Units;

namespace IlgpuBlindSpots.Tests.Units;

/// <summary>Which layer <c>--layer</c> picks, and the one-line refusals.</summary>
public class UnitLayerTests
{
    private static SequentialModel Model(string spec) => SequentialModel.Create(TestDevice.Current, spec, [1, 28, 28]);

    [Theory]
    [InlineData("fc:100,sigmoid,fc:100,sigmoid,fc:10", "hidden", 4, "sigmoid", new[] { 100 })]
    [InlineData("fc:100,sigmoid,fc:100,sigmoid,fc:10", "sigmoid@1", 2, "sigmoid", new[] { 100 })]
    [InlineData("fc:100,sigmoid,fc:100,sigmoid,fc:10", "3", 3, "fc:100", new[] { 100 })]
    [InlineData("conv:8x5x5p2,relu,maxpool:2,conv:16x5x5p2,relu,maxpool:2,fc:64,relu,fc:10", "hidden", 8, "relu", new[] { 64 })]
    [InlineData("conv:8x5x5p2,relu,maxpool:2,conv:16x5x5p2,relu,maxpool:2,fc:64,relu,fc:10", "maxpool:2@2", 6, "maxpool:2", new[] { 16, 7, 7 })]
    [InlineData("conv:8x5x5p2,relu,maxpool:2,conv:16x5x5p2,relu,maxpool:2,fc:64,relu,fc:10", "conv:8x5x5p2", 1, "conv:8x5x5p2", new[] { 8, 28, 28 })]
    public void ResolvesPositionsNamesAndTheLastHiddenActivation(string spec, string choice, int position, string layer, int[] shape)
    {
        using var model = Model(spec);
        var resolved = UnitLayer.Resolve(model, choice);
        Assert.Equal(position, resolved.Position);
        Assert.Equal(layer, resolved.Spec);
        Assert.Equal(shape, resolved.Shape);
    }

    [Theory]
    [InlineData("fc:100,sigmoid,fc:100,sigmoid,fc:10", "9", "there is no such layer")]
    [InlineData("fc:100,sigmoid,fc:100,sigmoid,fc:10", "0", "there is no such layer")]
    [InlineData("fc:100,sigmoid,fc:100,sigmoid,fc:10", "5", "is the output layer")]
    [InlineData("fc:100,sigmoid,fc:100,sigmoid,fc:10", "fc:10", "is the output layer")]
    [InlineData("fc:100,sigmoid,fc:100,sigmoid,fc:10", "sigmoid", "say which with sigmoid@1..sigmoid@2")]
    [InlineData("fc:100,sigmoid,fc:100,sigmoid,fc:10", "sigmoid@3", "has only 2 sigmoid")]
    [InlineData("fc:100,sigmoid,fc:100,sigmoid,fc:10", "tanh", "no such layer")]
    [InlineData("fc:10", "hidden", "has no hidden layer")]
    [InlineData("fc:10", "1", "has no hidden layer")]
    [InlineData("fc:1,relu,fc:10", "hidden", "has 1 unit")]
    public void RefusesWhatCannotBeAnalysedInOneLine(string spec, string choice, string fragment)
    {
        using var model = Model(spec);
        var e = Assert.Throws<BlindSpotsException>(() => UnitLayer.Resolve(model, choice));
        Assert.Contains(fragment, e.Message);
        Assert.StartsWith($"--layer {choice}:", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
