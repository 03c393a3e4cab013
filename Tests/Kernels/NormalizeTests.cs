using IlgpuBlindSpots.Network.Layers;

namespace IlgpuBlindSpots.Tests.Kernels;

/// <summary>
/// The normalisation kernels (through <see cref="NormalizeLayer"/>) against a plain float64
/// reference, and their backward pass against central differences of their forward pass.
/// </summary>
public class NormalizeTests
{
    public static TheoryData<int, int, int, int, bool> Shapes => new()
    {
        // batch, channels, height, width, one value for every channel
        { 1, 1, 1, 1, true }, { 3, 1, 5, 6, true }, { 4, 3, 8, 8, false }, { 5, 3, 7, 3, true }, { 17, 4, 2, 5, false },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ForwardAndBackwardMatchFloat64Reference(int batch, int channels, int height, int width, bool scalar)
    {
        var dev = TestDevice.Current;
        int n = batch * channels * height * width;
        float[] x = Rand.Uniform(1, n, 0f, 1f), dy = Rand.Uniform(2, n);
        float[] means = Rand.Uniform(3, scalar ? 1 : channels, 0f, 1f);
        float[] stds = Rand.Uniform(4, scalar ? 1 : channels, 0.1f, 2f);
        using var layer = new NormalizeLayer(dev, [channels, height, width], means, stds);
        using var tx = Tensor.FromArray(dev, x, batch, channels, height, width);
        using var tdy = Tensor.FromArray(dev, dy, batch, channels, height, width);

        var y = layer.Forward(tx, training: false).ToArray();
        var dx = layer.Backward(tdy, parameterGradients: false).ToArray();

        var (yRef, dxRef) = Reference(x, dy, means, stds, channels, height * width);
        Compare.Close(yRef, y, rtol: 1e-6, atol: 1e-6, what: "y");
        Compare.Close(dxRef, dx, rtol: 1e-6, atol: 1e-6, what: "dX");
    }

    [Fact]
    public void BackwardMatchesFiniteDifferencesOfForward()
    {
        var dev = TestDevice.Current;
        const int batch = 2, channels = 3, height = 3, width = 4, n = batch * channels * height * width;
        float[] means = [0.485f, 0.456f, 0.406f], stds = [0.229f, 0.224f, 0.225f];
        float[] dy = Rand.Uniform(7, n);
        double[] xd = Rand.Uniform(8, n, 0f, 1f).Select(v => (double)v).ToArray();
        using var layer = new NormalizeLayer(dev, [channels, height, width], means, stds);
        using var tx = Tensor.Allocate(dev, batch, channels, height, width);

        double Loss()
        {
            tx.CopyFrom(xd.Select(v => (float)v).ToArray());
            var y = layer.Forward(tx, training: false).ToArray();
            double sum = 0;
            for (int i = 0; i < n; i++) sum += dy[i] * (double)y[i];
            return sum;
        }

        var numeric = FiniteDifferences.Gradient(xd, Loss, h: 1e-2);
        Loss();
        using var tdy = Tensor.FromArray(dev, dy, batch, channels, height, width);
        Compare.Close(numeric, layer.Backward(tdy, parameterGradients: false).ToArray(), rtol: 1e-3, atol: 1e-3, what: "dX vs finite differences");
    }

    [Fact]
    public void SpecTokenRoundTripsAndChecksChannels()
    {
        var spec = ArchitectureSpec.Parse("norm:0.485;0.456;0.406/0.229;0.224;0.225,conv:2x3x3,relu,fc:4");
        Assert.Equal(new NormalizeSpec([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]), spec.Layers[0]);
        Assert.Equal(spec.ToString(), ArchitectureSpec.Parse(spec.ToString()).ToString());
        using var model = SequentialModel.Create(TestDevice.Current, spec, [3, 5, 5]);
        Assert.Equal("norm:0.485;0.456;0.406/0.229;0.224;0.225", model.Layers[0].Spec);
        var e = Assert.Throws<BlindSpotsException>(() => SequentialModel.Create(TestDevice.Current, spec, [1, 5, 5]));
        Assert.Contains("per channel", e.Message);
        Assert.Throws<BlindSpotsException>(() => ArchitectureSpec.Parse("norm:0.5/0,fc:3"));
        Assert.Throws<BlindSpotsException>(() => ArchitectureSpec.Parse("norm:0.5;0.2/1,fc:3"));
    }

    private static (double[] Y, double[] Dx) Reference(float[] x, float[] dy, float[] means, float[] stds, int channels, int plane)
    {
        var y = new double[x.Length];
        var dx = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            int c = i / plane % channels;
            double m = means[means.Length == 1 ? 0 : c], s = stds[stds.Length == 1 ? 0 : c];
            y[i] = (x[i] - m) / s;
            dx[i] = dy[i] / s;
        }
        return (y, dx);
    }
}
