using IlgpuBlindSpots.Network.Layers;
using IlgpuBlindSpots.Optimizer.Analysis;

namespace IlgpuBlindSpots.Tests.Analysis;

/// <summary>The max-pooling constant √m: the window count against brute force, and attained by the layer itself.</summary>
public class MaxPoolBoundTests
{
    [Fact]
    public void WindowsPerInputMatchesCountingEveryWindow()
    {
        for (int size = 1; size <= 12; size++)
            for (int window = 1; window <= 5; window++)
                for (int stride = 1; stride <= 4; stride++)
                    for (int pad = 0; 2 * pad <= window; pad++)
                    {
                        if (size + 2 * pad < window) continue;
                        var count = new int[size];
                        for (int start = -pad; start + window <= size + pad; start += stride)
                            for (int i = Math.Max(0, start); i < Math.Min(size, start + window); i++)
                                count[i]++;
                        int expected = count.Max();
                        Assert.Equal(expected, MaxPoolBound.WindowsPerInput(size, window, stride, pad));
                        Assert.True(expected <= (window + stride - 1) / stride);
                    }
    }

    /// <summary>Input height and width, window, stride, padding, and the expected constant.</summary>
    public static TheoryData<int, int, int, int, int, double> Layers => new()
    {
        { 7, 9, 3, 2, 1, 2.0 },
        { 8, 8, 2, 2, 0, 1.0 },
        { 6, 7, 3, 1, 1, 3.0 },
        { 13, 13, 3, 2, 0, 2.0 },
        { 5, 4, 4, 3, 0, 1.0 },
    };

    [Theory]
    [MemberData(nameof(Layers))]
    public void ASpikeAtTheMostSharedInputMovesTheOutputByTheBound(int h, int w, int window, int stride, int pad, double expected)
    {
        using var layer = new MaxPoolLayer(TestDevice.Current, [1, h, w], window, window, stride, pad);
        double bound = MaxPoolBound.Of(layer);
        Assert.Equal(expected, bound, tolerance: 1e-12);

        // x: 1 at the input shared by the most windows, 0 elsewhere; x′ = x + ε there.
        var (iy, ix) = MostShared(h, w, window, stride, pad);
        var x = new float[h * w];
        x[iy * w + ix] = 1f;
        const float eps = 0.25f;
        var xp = (float[])x.Clone();
        xp[iy * w + ix] += eps;
        using var tx = Tensor.FromArray(TestDevice.Current, x, 1, 1, h, w);
        var y = layer.Forward(tx, training: false).ToArray();
        using var txp = Tensor.FromArray(TestDevice.Current, xp, 1, 1, h, w);
        var yp = layer.Forward(txp, training: false).ToArray();
        double moved = Math.Sqrt(y.Zip(yp, (a, b) => (double)(b - a) * (b - a)).Sum());
        // float32 outputs: ε = 0.25 moves them exactly, so only rounding of the sum remains.
        Assert.Equal(bound, moved / eps, tolerance: 1e-6);
    }

    private static (int, int) MostShared(int h, int w, int window, int stride, int pad)
    {
        int[] Count(int n)
        {
            var c = new int[n];
            for (int start = -pad; start + window <= n + pad; start += stride)
                for (int i = Math.Max(0, start); i < Math.Min(n, start + window); i++) c[i]++;
            return c;
        }
        var ch = Count(h);
        var cw = Count(w);
        return (Array.IndexOf(ch, ch.Max()), Array.IndexOf(cw, cw.Max()));
    }
}
