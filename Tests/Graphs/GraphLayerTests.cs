using IlgpuBlindSpots.Network.Layers;

namespace IlgpuBlindSpots.Tests.Graphs;

/// <summary>Each graph layer's kernels against a float64 reference, forward, and backward against finite differences.</summary>
public class GraphLayerTests
{
    private static Window2d Geometry(int h, int w, int kh, int kw, int sh, int sw, int dh, int dw, int t, int l, int b, int r, bool ceil) =>
        new(h, w, kh, kw, sh, sw, dh, dw, t, l, b, r,
            Window2d.OutputSize(h, kh, sh, dh, t, b, ceil), Window2d.OutputSize(w, kw, sw, dw, l, r, ceil));

    public static TheoryData<string> ConvCases => new()
    {
        // batch C O groups H W kh kw sh sw dh dw top left bottom right
        "2 4 6 2 7 6 3 3 2 1 2 1 1 0 2 1",
        "1 4 4 4 6 6 3 3 1 1 1 1 1 1 1 1",
        "2 3 5 1 5 7 2 3 1 2 1 2 0 1 1 0",
    };

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void GroupedConvolutionMatchesReference(string text)
    {
        int[] d = text.Split(' ').Select(int.Parse).ToArray();
        var g = Geometry(d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14], d[15], ceil: false);
        using var layer = new GroupedConv2dLayer(TestDevice.Current, [d[1], d[4], d[5]], d[2], d[3], g, "c");
        LayerCheck.One(layer, [d[0], d[1], d[4], d[5]], (x, p) => GraphOpsReference.Conv(x, p[0], p[1], d[0], d[1], d[2], d[3], g), $"conv {text}");
    }

    public static TheoryData<string> PoolCases => new()
    {
        // max cip H W kh kw sh sw dh dw top left bottom right ceil
        "1 0 7 7 3 3 2 2 1 1 0 0 0 0 1",
        "1 0 6 5 2 3 2 1 2 1 1 1 0 1 0",
        "0 0 7 6 3 3 2 2 1 1 1 1 1 1 1",
        "0 1 7 6 3 3 2 2 1 1 1 1 1 1 1",
        "0 1 5 5 2 2 2 2 1 1 0 0 1 1 0",
        "0 0 4 3 4 3 1 1 1 1 0 0 0 0 0",
    };

    [Theory]
    [MemberData(nameof(PoolCases))]
    public void WindowPoolingMatchesReference(string text)
    {
        int[] d = text.Split(' ').Select(int.Parse).ToArray();
        var g = Geometry(d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14] == 1);
        using var layer = new WindowPoolLayer(TestDevice.Current, 3, g, d[0] == 1, d[1] == 1);
        LayerCheck.One(layer, [2, 3, d[2], d[3]], (x, _) => GraphOpsReference.Pool(x, 6, g, d[0] == 1, d[1] == 1), $"pool {text}");
    }

    [Fact]
    public void CeilModeDropsAWindowThatStartsInThePadding()
    {
        // ONNX: 5 wide, kernel 2, stride 2, pad 1 at the end, ceil: (5 + 1 − 2)/2 + 1 = 3 outputs, not 4.
        Assert.Equal(3, Window2d.OutputSize(5, 2, 2, 1, 0, 1, ceil: true));
        Assert.Equal(4, Window2d.OutputSize(6, 3, 2, 1, 1, 1, ceil: true));
        Assert.Equal(3, Window2d.OutputSize(6, 3, 2, 1, 1, 1, ceil: false));
    }

    public static TheoryData<string, string, string> BroadcastCases => new()
    {
        { "Add", "2 3 4 5", "2 3 4 5" },
        { "Mul", "2 3 4 5", "2 3 1 1" },
        { "Mul", "2 3 1 1", "2 3 4 5" },
        { "Sub", "2 3 4", "4" },
        { "Div", "3 1", "2 1 4" },
    };

    [Theory]
    [MemberData(nameof(BroadcastCases))]
    public void BroadcastingOpsMatchReference(string op, string a, string b)
    {
        int[] sa = a.Split(' ').Select(int.Parse).ToArray(), sb = b.Split(' ').Select(int.Parse).ToArray();
        using var layer = new BroadcastLayer(TestDevice.Current, op);
        LayerCheck.Many(layer, [sa, sb], x => GraphOpsReference.Broadcast(x[0], sa, x[1], sb, op, out _), $"{op} [{a}] [{b}]");
    }

    [Fact]
    public void ConcatAlongChannelsMatchesReference()
    {
        using var layer = new ConcatLayer(TestDevice.Current, 1);
        LayerCheck.Many(layer, [[2, 3, 2, 2], [2, 1, 2, 2], [2, 2, 2, 2]], x =>
        {
            var y = new List<double>();
            for (int n = 0; n < 2; n++)
                foreach (var (part, c) in x.Zip(new[] { 3, 1, 2 }))
                    y.AddRange(part.Skip(n * c * 4).Take(c * 4));
            return y.ToArray();
        }, "concat");
    }

    [Fact]
    public void ChannelAffineMatchesReference()
    {
        using var layer = new ChannelAffineLayer(TestDevice.Current, [3, 2, 2], "bn");
        LayerCheck.One(layer, [2, 3, 2, 2], (x, p) => x.Select((v, i) => p[0][(i / 4) % 3] * v + p[1][(i / 4) % 3]).ToArray(), "affine");
    }

    [Fact]
    public void ConstantPaddingMatchesReference()
    {
        using var layer = new PadLayer(TestDevice.Current, [3, 4, 5], 1, 2, 0, 1, 0.25f);
        LayerCheck.One(layer, [2, 3, 4, 5], (x, _) => GraphOpsReference.Pad(x, 6, 4, 5, 1, 2, 0, 1, 0.25), "pad");
    }

    public static TheoryData<int, float, float> PointwiseCases => new()
    {
        { PointwiseOp.Clip, 0f, 0.5f }, { PointwiseOp.LeakyRelu, 0.1f, 0f }, { PointwiseOp.Elu, 0.7f, 0f },
        { PointwiseOp.HardSigmoid, 0.3f, 0.4f }, { PointwiseOp.Neg, 0f, 0f }, { PointwiseOp.Abs, 0f, 0f },
        { PointwiseOp.Exp, 0f, 0f }, { PointwiseOp.Softplus, 0f, 0f }, { PointwiseOp.Selu, 1.6733f, 1.0507f },
        { PointwiseOp.Softsign, 0f, 0f }, { PointwiseOp.HardSwish, 0f, 0f }, { PointwiseOp.Floor, 0f, 0f },
        { PointwiseOp.Ceil, 0f, 0f }, { PointwiseOp.ThresholdedRelu, 0.5f, 0f }, { PointwiseOp.Celu, 0.8f, 0f },
        { PointwiseOp.Sinh, 0f, 0f }, { PointwiseOp.Cosh, 0f, 0f },
    };

    public static TheoryData<int> PositiveDomainCases => new() { PointwiseOp.Reciprocal, PointwiseOp.Sqrt, PointwiseOp.Log };

    [Theory]
    [MemberData(nameof(PositiveDomainCases))]
    public void PointwiseOpsOfPositiveNumbersMatchReference(int op)
    {
        using var layer = new PointwiseLayer(TestDevice.Cpu, op, 0f, 0f, $"op{op}");
        LayerCheck.One(layer, [3, 17], (x, _) => x.Select(v => GraphOpsReference.Pointwise(v, op, 0, 0)).ToArray(), $"pointwise {op}", seed: 3 + op, lo: 0.5f, hi: 3f);
    }

    [Theory]
    [MemberData(nameof(PointwiseCases))]
    public void PointwiseOpsMatchReference(int op, float a, float b)
    {
        using var layer = new PointwiseLayer(TestDevice.Current, op, a, b, $"op{op}");
        // Inputs in ±4 reach both sides of every kink (HardSwish's at ±3 too).
        LayerCheck.One(layer, [3, 17], (x, _) => x.Select(v => GraphOpsReference.Pointwise(v, op, a, b)).ToArray(), $"pointwise {op}", seed: 3 + op, lo: -4f, hi: 4f);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SoftmaxRowsMatchReference(bool log)
    {
        using var layer = new SoftmaxLayer(TestDevice.Current, 5, log);
        LayerCheck.One(layer, [3, 2, 5], (x, _) => GraphOpsReference.Softmax(x, 5, log), log ? "logsoftmax" : "softmax");
    }
}
