using IlgpuBlindSpots.Network.Layers;
using IlgpuBlindSpots.Optimizer.Analysis;

namespace IlgpuBlindSpots.Tests.Analysis;

/// <summary>Device power iteration against float64 references: Jacobi SVD for matrices, host power iteration for convolutions.</summary>
public class SpectralNormTests
{
    public static TheoryData<int, int> MatrixShapes => new()
    {
        { 1, 1 }, { 7, 13 }, { 40, 25 }, { 64, 100 }, { 3, 200 }, { 33, 5 },
    };

    [Theory]
    [MemberData(nameof(MatrixShapes))]
    public void MatrixNormMatchesJacobiSvd(int rows, int cols)
    {
        var w = Rand.Uniform(300 + rows + cols, rows * cols);
        using var tw = Tensor.FromArray(TestDevice.Current, w, rows, cols);
        var result = SpectralNorm.OfMatrix(tw);
        double expected = SingularValuesReference.Of(w.Select(v => (double)v).ToArray(), rows, cols)[0];
        Assert.True(result.Converged, $"not converged in {result.Iterations} iterations");
        Assert.True(result.LastRelativeChange <= 1e-6);
        FourierConvolutionBoundTests.AssertRelative(expected, result.Norm, 1e-4);
    }

    [Fact]
    public void DenseLayerNormIsItsWeightsNorm()
    {
        using var layer = new DenseLayer(TestDevice.Current, 12, 9, "0");
        var w = Rand.Uniform(31, 9 * 12);
        layer.Weight.Value.CopyFrom(w);
        layer.Bias.Value.CopyFrom(Rand.Uniform(32, 9, 5f, 6f)); // a bias does not change the constant
        double expected = SingularValuesReference.Of(w.Select(v => (double)v).ToArray(), 9, 12)[0];
        FourierConvolutionBoundTests.AssertRelative(expected, SpectralNorm.OfDense(layer).Norm, 1e-4);
    }

    [Fact]
    public void TheZeroMatrixHasNormZero()
    {
        using var tw = Tensor.Zeros(TestDevice.Current, 6, 4);
        var result = SpectralNorm.OfMatrix(tw);
        Assert.Equal(0.0, result.Norm);
        Assert.True(result.Converged);
        Assert.Equal(1, result.Iterations);
    }

    [Fact]
    public void TheIterationCapStopsUnconverged()
    {
        var w = Rand.Uniform(33, 30 * 20);
        using var tw = Tensor.FromArray(TestDevice.Current, w, 30, 20);
        var result = SpectralNorm.OfMatrix(tw, new PowerIterationOptions { MaxIterations = 3 });
        Assert.False(result.Converged);
        Assert.Equal(3, result.Iterations);
        Assert.True(result.LastRelativeChange > 1e-6);
    }

    /// <summary>In channels, out channels, kernel, stride, padding, input height and width.</summary>
    public static TheoryData<int, int, int, int, int, int, int> ConvolutionShapes => new()
    {
        { 2, 3, 3, 2, 1, 8, 8 },
        { 3, 4, 5, 1, 2, 9, 7 },
    };

    [Theory]
    [MemberData(nameof(ConvolutionShapes))]
    public void ConvolutionLayerNormMatchesFloat64PowerIterationOfTheSameLayer(int c, int o, int k, int stride, int pad, int h, int w)
    {
        using var layer = new Conv2dLayer(TestDevice.Current, [c, h, w], o, k, k, stride, pad, "0");
        var filters = Rand.Uniform(400 + c + o, o * c * k * k);
        layer.Weight.Value.CopyFrom(filters);
        var result = SpectralNorm.OfConvolution(layer, new PowerIterationOptions { MaxIterations = 5000 });

        var conv = new ConvolutionReference(1, c, h, w, o, k, k, stride, stride, pad, pad);
        var wd = filters.Select(v => (double)v).ToArray();
        var zero = new double[o];
        double expected = PowerIterationReference.Norm(x => conv.Forward(x, wd, zero), y => conv.BackwardInput(y, wd), conv.InputLength);
        Assert.True(result.Converged, $"not converged in {result.Iterations} iterations");
        FourierConvolutionBoundTests.AssertRelative(expected, result.Norm, 1e-4);
    }

    [Fact]
    public void OptionsOutOfRangeAreRejected()
    {
        using var tw = Tensor.Zeros(TestDevice.Current, 2, 2);
        Assert.Contains("Tolerance", Assert.Throws<BlindSpotsException>(
            () => SpectralNorm.OfMatrix(tw, new PowerIterationOptions { Tolerance = 0 })).Message);
        Assert.Contains("MaxIterations", Assert.Throws<BlindSpotsException>(
            () => SpectralNorm.OfMatrix(tw, new PowerIterationOptions { MaxIterations = 0 })).Message);
    }
}
