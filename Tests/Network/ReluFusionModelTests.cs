using ILGPU;
using ILGPU.Runtime;
using IlgpuBlindSpots.Network.Layers;

namespace IlgpuBlindSpots.Tests.Network;

/// <summary>
/// A model runs a product and the ReLU after it as one launch where nothing else reads the
/// product's output (<see cref="ReluFusion"/>): the same logits, input and parameter gradients and
/// hidden-layer outputs as running every layer on its own, and no fusion where the pre-activation is read elsewhere.
/// </summary>
public class ReluFusionModelTests
{
    [Theory]
    [InlineData("fc:16,relu,fc:12,relu,fc:3", 2)]
    [InlineData("fc:16,relu,relu,fc:12,relu,fc:3", 2)]
    [InlineData("fc:16,tanh,fc:3", 0)]
    [InlineData("conv:4x3x3p1,relu,maxpool:2,conv:5x2x2,relu,fc:3", 2)]
    public void ChainGivesTheUnfusedLogitsAndGradients(string spec, int pairs)
    {
        using var model = SequentialModel.Create(TestDevice.Current, spec, [1, 6, 5]);
        model.Initialize(5);
        Assert.Equal(pairs, model.FusedPairs);
        AssertFusedEqualsUnfused(model, batch: 7);
    }

    /// <summary>What <c>units</c> and a hidden-layer attack read: a fused product's own output is still its pre-activation.</summary>
    [Fact]
    public void HiddenLayerOutputsAreThoseOfTheLayersRunAlone()
    {
        using var model = SequentialModel.Create(TestDevice.Current, "fc:16,relu,fc:3", [1, 3, 5]);
        model.Initialize(6);
        using var x = Tensor.FromArray(TestDevice.Current, Rand.Uniform(21, 7 * 15), 7, 1, 3, 5);
        var dense = model.Activations(x, 1).ToArray();
        Assert.Contains(dense, v => v < 0f);
        var relu = model.Activations(x, 2).ToArray();
        Assert.Equal(dense.Select(v => Math.Max(v, 0f)), relu);
        model.Logits(x);
        Assert.Equal(dense, model.Activations(x, 1).ToArray());
        model.FusesActivations = false;
        Assert.Equal(dense, model.Activations(x, 1).ToArray());
        Assert.Equal(relu, model.Activations(x, 2).ToArray());
    }

    /// <summary>
    /// A product read only by its ReLU is fused; one whose pre-activation also feeds a sum beside
    /// the ReLU must exist, so it is not. Either way the results are the unfused ones.
    /// </summary>
    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 0)]
    public void GraphFusesAProductOnlyWhereItsReluAloneReadsIt(bool readElsewhere, int pairs)
    {
        var device = TestDevice.Current;
        using var b = new GraphBuilder(device, [6]);
        int fc = b.Add("fc", new DenseLayer(device, 6, 8, "fc"), b.Input);
        int relu = b.Add("relu", new ActivationLayer(device, ActivationKind.Relu), fc);
        int hidden = readElsewhere ? b.Add("sum", new BroadcastLayer(device, "Add"), fc, relu) : relu;
        int logits = b.Add("out", new DenseLayer(device, 8, 3, "out"), hidden);
        using var model = b.Build(logits);
        model.Initialize(7);
        Assert.Equal(pairs, model.FusedPairs);
        AssertFusedEqualsUnfused(model, batch: 5);
    }

    /// <summary>A product that is the graph's output keeps its value: not fused into a ReLU that also reads it.</summary>
    [Fact]
    public void GraphDoesNotFuseTheOutputValue()
    {
        var device = TestDevice.Current;
        using var b = new GraphBuilder(device, [6]);
        int fc = b.Add("fc", new DenseLayer(device, 6, 3, "fc"), b.Input);
        b.Add("relu", new ActivationLayer(device, ActivationKind.Relu), fc);
        using var model = b.Build(fc);
        Assert.Equal(0, model.FusedPairs);
    }

    /// <summary>Logits, input gradient and parameter gradients with fusion on and off: the same floats.</summary>
    internal static void AssertFusedEqualsUnfused(Model model, int batch)
    {
        var device = model.Device;
        using var x = Tensor.FromArray(device, Rand.Uniform(31, batch * model.InputLength), [batch, .. model.InputShape]);
        int[] labels = Enumerable.Range(0, batch).Select(i => i % model.Classes).ToArray();
        using var tl = device.Accelerator.Allocate1D(labels);
        (float[] Logits, float[] InputGradient, float[] ParameterGradients) Run(bool fuse)
        {
            model.FusesActivations = fuse;
            var (gradient, _, logits) = model.InputGradient(x, tl.View);
            var result = (logits.ToArray(), gradient.ToArray());
            model.ZeroGradients();
            model.ParameterGradients(x, tl.View, training: false);
            return (result.Item1, result.Item2, model.Parameters.SelectMany(p => p.Gradient.ToArray()).ToArray());
        }
        var fused = Run(true);
        var plain = Run(false);
        model.FusesActivations = true;
        Assert.Equal(plain.Logits, fused.Logits);
        Assert.Equal(plain.InputGradient, fused.InputGradient);
        Assert.Equal(plain.ParameterGradients, fused.ParameterGradients);
        Assert.Contains(plain.InputGradient, v => v != 0f);
    }
}
