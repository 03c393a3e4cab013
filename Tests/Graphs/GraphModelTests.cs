using IlgpuBlindSpots.Network.Layers;

namespace IlgpuBlindSpots.Tests.Graphs;

/// <summary>
/// A small graph with a value read twice at two places (a residual sum and a broadcast product with
/// the input itself): its forward pass against a float64 composition of the references, its input
/// and parameter gradients against finite differences of that composition.
/// </summary>
public class GraphModelTests
{
    private const int Batch = 2, Side = 4, Filters = 2, Classes = 3;
    private static readonly Window2d Same = new(Side, Side, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, Side, Side);

    internal static GraphModel Build()
    {
        var device = TestDevice.Current;
        using var b = new GraphBuilder(device, [1, Side, Side]);
        int conv = b.Add("conv", new GroupedConv2dLayer(device, [1, Side, Side], Filters, 1, Same, "conv"), b.Input);
        int relu = b.Add("relu", new ActivationLayer(device, ActivationKind.Relu), conv);
        int sum = b.Add("sum", new BroadcastLayer(device, "Add"), conv, relu);
        int gated = b.Add("gate", new BroadcastLayer(device, "Mul"), sum, b.Input);
        int flat = b.Add("flat", new ReshapeLayer([Filters, Side, Side], [Filters * Side * Side]), gated);
        int logits = b.Add("fc", new DenseLayer(device, Filters * Side * Side, Classes, "fc"), flat);
        var model = b.Build(logits);
        model.Initialize(7);
        return model;
    }

    private static double[] Reference(double[] x, double[][] p)
    {
        var conv = GraphOpsReference.Conv(x, p[0], p[1], Batch, 1, Filters, 1, Same);
        int plane = Side * Side, row = Filters * plane;
        var y = new double[Batch * Classes];
        for (int n = 0; n < Batch; n++)
            for (int k = 0; k < Classes; k++)
            {
                double s = p[3][k];
                for (int i = 0; i < row; i++)
                {
                    double c = conv[n * row + i];
                    s += p[2][k * row + i] * (c + Math.Max(c, 0)) * x[n * plane + i % plane];
                }
                y[n * Classes + k] = s;
            }
        return y;
    }

    [Fact]
    public void ForwardAndGradientsMatchReference()
    {
        using var model = Build();
        var device = TestDevice.Current;
        float[] x = Rand.Uniform(21, Batch * Side * Side, 0f, 1f);
        double[] xd = LayerCheck.D(x);
        double[][] pd = model.Parameters.Select(p => LayerCheck.D(p.Value.ToArray())).ToArray();
        using var input = Tensor.FromArray(device, x, [Batch, 1, Side, Side]);
        Compare.Close(Reference(xd, pd), model.Logits(input).ToArray(), 1e-4, 1e-5, "graph forward");

        float[] g = Rand.Uniform(22, Batch * Classes);
        using var dy = Tensor.FromArray(device, g, [Batch, Classes]);
        model.ZeroGradients();
        model.Forward(input, training: false);
        float[] dx = model.Backward(dy, parameterGradients: true).ToArray();
        double Loss() => LayerCheck.Dot(Reference(xd, pd), LayerCheck.D(g));
        Compare.Close(FiniteDifferences.Gradient(xd, Loss), dx, 1e-3, 1e-4, "graph dX (input read twice) vs finite differences");
        for (int i = 0; i < pd.Length; i++)
            Compare.Close(FiniteDifferences.Gradient(pd[i], Loss), model.Parameters[i].Gradient.ToArray(), 1e-3, 1e-4, $"graph d{model.Parameters[i].Name} vs finite differences");
    }

    [Fact]
    public void ChainOnlyFeaturesRefuseAGraphInOneLine()
    {
        using var model = Build();
        var e = Assert.Throws<BlindSpotsException>(() => model.AsChain("units"));
        Assert.StartsWith("units needs a chain of layers; this model is a graph", e.Message);
        Assert.Equal(Classes, model.Classes);
    }

    [Fact]
    public void NodesThatDoNotLeadToTheOutputAreDropped()
    {
        var device = TestDevice.Current;
        using var b = new GraphBuilder(device, [4]);
        b.Add("unused", new ActivationLayer(device, ActivationKind.Tanh), b.Input);
        int y = b.Add("fc", new DenseLayer(device, 4, 2, "fc"), b.Input);
        using var model = b.Build(y);
        Assert.Single(model.Nodes);
    }
}
