namespace IlgpuBlindSpots.Tests.Network;

/// <summary>Shape problems end in the project's own one-line error before any kernel runs.</summary>
public class BadShapeTests
{
    [Theory]
    [InlineData(new[] { 0, 3 })]
    [InlineData(new[] { 2, -1 })]
    [InlineData(new int[0])]
    public void TensorsNeedPositiveDimensions(int[] shape)
    {
        var e = Assert.Throws<BlindSpotsException>(() => Tensor.Zeros(TestDevice.Current, shape));
        Assert.Contains("dimension", e.Message);
    }

    [Fact]
    public void DataThatDoesNotFillTheShapeIsRejected()
    {
        var e = Assert.Throws<BlindSpotsException>(() => Tensor.FromArray(TestDevice.Current, new float[5], 2, 3));
        Assert.Contains("5 values cannot fill a tensor of shape [2, 3]", e.Message);
    }

    [Theory]
    [InlineData("conv:4x7x7,fc:10", new[] { 1, 5, 5 }, "does not fit")]
    [InlineData("maxpool:6,fc:10", new[] { 1, 5, 5 }, "does not fit")]
    [InlineData("fc:10", new[] { 1, 0, 5 }, "positive")]
    [InlineData("fc:10", new[] { 28, 28 }, "C×H×W")]
    public void ModelsRejectInputShapesTheirLayersCannotTake(string spec, int[] input, string expected)
    {
        var e = Assert.Throws<BlindSpotsException>(() => SequentialModel.Create(TestDevice.Current, spec, input));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Fact]
    public void ABackwardGradientOfTheWrongShapeIsRejected()
    {
        using var model = SequentialModel.Create(TestDevice.Current, "conv:2x3x3,relu,fc:4", [1, 5, 5]);
        using var x = Tensor.Zeros(TestDevice.Current, 2, 1, 5, 5);
        model.Logits(x);
        using var wrong = Tensor.Zeros(TestDevice.Current, 3, 4);
        Assert.Throws<BlindSpotsException>(() => model.Backward(wrong, parameterGradients: false));
    }

    [Fact]
    public void AnAlexNetShapedModelBuildsWithTheExpectedShapes()
    {
        // conv 11×11 stride 4 with padding, overlapping 3×3/2 pooling and large FC layers (weights only allocated).
        using var model = SequentialModel.Create(TestDevice.Current,
            "conv:64x11x11s4p2,relu,maxpool:3s2,conv:192x5x5p2,relu,maxpool:3s2,conv:384x3x3p1,relu," +
            "conv:256x3x3p1,relu,conv:256x3x3p1,relu,maxpool:3s2,dropout:0.5,fc:4096,relu,dropout:0.5,fc:4096,relu,fc:1000",
            [3, 224, 224]);
        Assert.Equal(1000, model.Classes);
        Assert.Equal(61_100_840, model.ParameterCount); // torchvision's AlexNet, which pools to 6×6 the same way
    }
}
