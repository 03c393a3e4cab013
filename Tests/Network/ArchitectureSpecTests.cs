namespace IlgpuBlindSpots.Tests.Network;

public class ArchitectureSpecTests
{
    [Theory]
    [InlineData("fc:100,sigmoid,fc:100,sigmoid,fc:10")]
    [InlineData("conv:32x5x5,relu,maxpool:2,conv:64x5x5,relu,maxpool:2,fc:1024,relu,fc:10")]
    [InlineData("conv:64x11x11s4p2,relu,maxpool:3s2,conv:192x5x5p2,relu,maxpool:3s2,dropout:0.5,fc:4096,relu,fc:1000")]
    [InlineData("conv:8x3x5p1,tanh,maxpool:2x3s1p1,fc:10")]
    public void ParsesAndPrintsBackTheSameSpec(string spec)
    {
        Assert.Equal(spec, ArchitectureSpec.Parse(spec).ToString());
    }

    [Fact]
    public void AcceptsSpacesCaseAndSlashStride()
    {
        var s = ArchitectureSpec.Parse(" Conv:8x3x3 , ReLU, maxpool:3/2, FC:10 ");
        Assert.Equal("conv:8x3x3,relu,maxpool:3s2,fc:10", s.ToString());
    }

    [Theory]
    [InlineData("fc:100,softplus,fc:10", "softplus")]
    [InlineData("fc:0", "positive")]
    [InlineData("fc:-3", "not a known layer")]
    [InlineData("conv:0x3x3,fc:10", "positive")]
    [InlineData("conv:4x3x3s0,fc:10", "stride")]
    [InlineData("dropout:1,fc:10", "[0, 1)")]
    [InlineData("maxpool:2p2,fc:10", "half the window")]
    [InlineData("fc:10,relu", "must end with an fc")]
    [InlineData("", "empty")]
    public void BadSpecsGetOneClearLine(string spec, string expected)
    {
        var e = Assert.Throws<BlindSpotsException>(() => ArchitectureSpec.Parse(spec));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }
}
