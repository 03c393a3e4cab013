using IlgpuBlindSpots.Network.Layers;
using IlgpuBlindSpots.Optimizer.Analysis;

namespace IlgpuBlindSpots.Tests.Analysis;

/// <summary>
/// The Fourier bound against operator norms found without Fourier analysis: exact for circular
/// stride-1 convolutions (float64 host power iteration), an upper bound for the layers as they run
/// (zero padding, strides: device power iteration through the layer's own kernels).
/// </summary>
public class FourierConvolutionBoundTests
{
    /// <summary>In channels, out channels, kernel height and width, torus height and width.</summary>
    public static TheoryData<int, int, int, int, int, int> CircularShapes => new()
    {
        { 1, 3, 3, 3, 8, 8 },
        { 3, 4, 5, 5, 9, 7 },
        { 2, 2, 1, 1, 4, 4 },
        { 4, 3, 3, 5, 6, 10 },
        { 2, 5, 4, 2, 5, 6 },
        { 3, 2, 3, 3, 3, 3 },
    };

    [Theory]
    [MemberData(nameof(CircularShapes))]
    public void ForCircularStrideOneConvolutionsTheBoundIsTheOperatorNorm(int c, int o, int kh, int kw, int h, int w)
    {
        var filters = Rand.Uniform(100 + c * 10 + o, o * c * kh * kw);
        using var tw = Tensor.FromArray(TestDevice.Current, filters, o, c, kh, kw);
        var bound = FourierConvolutionBound.Compute(tw, h, w);

        var conv = new CircularConvolutionReference(c, o, kh, kw, h, w);
        var wd = filters.Select(v => (double)v).ToArray();
        double norm = PowerIterationReference.Norm(x => conv.Forward(wd, x), y => conv.Transpose(wd, y), conv.InputLength);

        Assert.True(bound.Converged, $"not converged in {bound.Iterations} iterations");
        Assert.Equal((h, w), (bound.Height, bound.Width));
        AssertRelative(norm, bound.Bound, 1e-3);
    }

    /// <summary>In channels, out channels, kernel height and width, stride, padding, input height and width.</summary>
    public static TheoryData<int, int, int, int, int, int, int, int> LayerShapes => new()
    {
        { 3, 4, 5, 5, 1, 2, 9, 7 },
        { 2, 3, 3, 3, 2, 1, 8, 8 },
        { 1, 2, 4, 4, 3, 0, 10, 10 },
        { 3, 2, 3, 3, 1, 0, 6, 6 },
        { 3, 6, 11, 11, 4, 2, 23, 23 },
        { 2, 3, 2, 3, 2, 1, 5, 9 },
    };

    [Theory]
    [MemberData(nameof(LayerShapes))]
    public void ZeroPaddedAndStridedLayersNeverExceedTheirFourierBound(int c, int o, int kh, int kw, int stride, int pad, int h, int w)
    {
        using var layer = new Conv2dLayer(TestDevice.Current, [c, h, w], o, kh, kw, stride, pad, "0");
        layer.Weight.Value.CopyFrom(Rand.Uniform(200 + c * 10 + o, o * c * kh * kw));
        var bound = FourierConvolutionBound.ForLayer(layer);
        var measured = SpectralNorm.OfConvolution(layer, new PowerIterationOptions { MaxIterations = 3000 });

        Assert.Equal((h + 2 * pad, w + 2 * pad), (bound.Height, bound.Width));
        Assert.True(measured.Norm > 0);
        // The measured norm comes from float32 convolutions: allow their rounding, nothing more.
        Assert.True(measured.Norm <= bound.Bound * (1 + 1e-5),
            $"layer norm {measured.Norm:R} exceeds the Fourier bound {bound.Bound:R}");
    }

    [Fact]
    public void AFilterLargerThanTheTorusIsRejected()
    {
        using var tw = Tensor.Zeros(TestDevice.Current, 2, 1, 5, 3);
        var e = Assert.Throws<BlindSpotsException>(() => FourierConvolutionBound.Compute(tw, 4, 8));
        Assert.Contains("does not fit a 4×8 torus", e.Message);
    }

    [Fact]
    public void ZeroFiltersHaveBoundZero()
    {
        using var tw = Tensor.Zeros(TestDevice.Current, 3, 2, 3, 3);
        var bound = FourierConvolutionBound.Compute(tw, 5, 5);
        Assert.Equal(0.0, bound.Bound);
        Assert.True(bound.Converged);
    }

    internal static void AssertRelative(double expected, double actual, double rtol)
    {
        double err = Math.Abs(actual - expected);
        Assert.True(err <= rtol * Math.Abs(expected), $"expected {expected:R}, got {actual:R} (relative error {err / Math.Abs(expected):E2})");
    }
}
