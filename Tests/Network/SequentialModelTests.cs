using ILGPU;
using ILGPU.Runtime;

namespace IlgpuBlindSpots.Tests.Network;

/// <summary>
/// Whole models against their float64 reference: logits, and input and parameter gradients
/// checked by float64 central differences of the reference.
/// </summary>
public class SequentialModelTests
{
    public static TheoryData<string, int, int, int> Models => new()
    {
        { "fc:7,sigmoid,fc:5,tanh,fc:3", 1, 4, 3 },
        { "fc:6,relu,dropout:0.5,fc:4", 1, 3, 5 },
        { "conv:3x3x3p1,relu,maxpool:2,conv:4x3x2s2p1,tanh,maxpool:2x2s1,fc:5", 1, 9, 8 },
        { "conv:4x5x5s2p2,relu,maxpool:3s2,fc:3", 3, 11, 13 },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void LogitsMatchFloat64Reference(string spec, int c, int h, int w)
    {
        using var model = Build(spec, c, h, w, seed: 1);
        var reference = new ModelReference(model);
        const int batch = 3;
        var x = Rand.Uniform(7, batch * c * h * w, 0f, 1f);
        using var input = Tensor.FromArray(TestDevice.Current, x, batch, c, h, w);
        var logits = model.Logits(input).ToArray();
        var expected = new List<double>();
        for (int b = 0; b < batch; b++)
            expected.AddRange(reference.Logits(Example(x, b, c * h * w)));
        Compare.Close(expected.ToArray(), logits, rtol: 1e-4, atol: 1e-5, what: "logits");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void InputGradientMatchesCentralDifferences(string spec, int c, int h, int w)
    {
        using var model = Build(spec, c, h, w, seed: 2);
        var reference = new ModelReference(model);
        const int batch = 3;
        int n = c * h * w;
        var x = Rand.Uniform(8, batch * n, 0f, 1f);
        int[] labels = [0, 2, 1];
        using var input = Tensor.FromArray(TestDevice.Current, x, batch, c, h, w);
        using var tl = TestDevice.Current.Accelerator.Allocate1D(labels);
        var (grad, losses, _) = model.InputGradient(input, tl.View);
        var g = grad.ToArray();
        var l = losses.ToArray();
        for (int b = 0; b < batch; b++)
        {
            var xb = Example(x, b, n);
            Assert.Equal(reference.Loss(xb, labels[b]), l[b], 4);
            var expected = new double[n];
            for (int i = 0; i < n; i++)
                expected[i] = CentralDifference(v => { var xx = (double[])xb.Clone(); xx[i] = v; return reference.Loss(xx, labels[b]); }, xb[i]);
            Compare.Close(expected, g.Skip(b * n).Take(n).ToArray(), rtol: 1e-3, atol: 1e-5, what: $"dLoss/dx example {b}");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void ParameterGradientsMatchCentralDifferencesOfTheMeanLoss(string spec, int c, int h, int w)
    {
        using var model = Build(spec, c, h, w, seed: 3);
        var reference = new ModelReference(model);
        const int batch = 4;
        int n = c * h * w;
        var x = Rand.Uniform(9, batch * n, 0f, 1f);
        int[] labels = [1, 0, 2, 1];
        using var input = Tensor.FromArray(TestDevice.Current, x, batch, c, h, w);
        using var tl = TestDevice.Current.Accelerator.Allocate1D(labels);
        model.ZeroGradients();
        // Evaluation mode, so dropout is the identity and the reference needs no mask.
        model.ParameterGradients(input, tl.View, training: false);

        double MeanLoss() => Enumerable.Range(0, batch).Average(b => reference.Loss(Example(x, b, n), labels[b]));
        foreach (var p in model.Parameters)
        {
            var values = reference[p.Name];
            var expected = new double[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                double v0 = values[i];
                expected[i] = CentralDifference(v => { reference.SetWeight(p.Name, i, v); return MeanLoss(); }, v0);
                reference.SetWeight(p.Name, i, v0);
            }
            Compare.Close(expected, p.Gradient.ToArray(), rtol: 1e-3, atol: 1e-5, what: p.Name);
        }
    }

    [Fact]
    public void ABatchGivesTheSameResultsAsSingleExamplePasses()
    {
        using var model = Build("fc:9,tanh,fc:4", 1, 5, 3, seed: 4);
        const int batch = 17;
        int n = 15;
        var x = Rand.Uniform(10, batch * n, 0f, 1f);
        int[] labels = Enumerable.Range(0, batch).Select(i => i % 4).ToArray();
        using var input = Tensor.FromArray(TestDevice.Current, x, batch, 1, 5, 3);
        using var tl = TestDevice.Current.Accelerator.Allocate1D(labels);
        var batchLogits = model.Logits(input).ToArray();
        var batchGrad = model.InputGradient(input, tl.View).InputGradient.ToArray();
        for (int b = 0; b < batch; b++)
        {
            using var one = Tensor.FromArray(TestDevice.Current, x.Skip(b * n).Take(n).ToArray(), 1, 1, 5, 3);
            using var oneLabel = TestDevice.Current.Accelerator.Allocate1D(new[] { labels[b] });
            Assert.Equal(batchLogits.Skip(b * 4).Take(4), model.Logits(one).ToArray());
            Assert.Equal(batchGrad.Skip(b * n).Take(n), model.InputGradient(one, oneLabel.View).InputGradient.ToArray());
        }
    }

    [Fact]
    public void ParameterNamesFollowAnNnSequentialWithExplicitFlatten()
    {
        using var model = Build("fc:5,relu,dropout:0.1,fc:3", 1, 2, 2, seed: 5);
        Assert.Equal(["1.weight", "1.bias", "4.weight", "4.bias"], model.Parameters.Select(p => p.Name));
        Assert.Equal(5 * 4 + 5 + 3 * 5 + 3, model.ParameterCount);
    }

    [Fact]
    public void AnInputOfTheWrongSizeIsRejected()
    {
        using var model = Build("fc:3", 1, 2, 2, seed: 6);
        using var input = Tensor.Zeros(TestDevice.Current, 2, 1, 3, 3);
        var e = Assert.Throws<BlindSpotsException>(() => model.Logits(input));
        Assert.Contains("expects inputs of [1, 2, 2]", e.Message);
    }

    internal static SequentialModel Build(string spec, int c, int h, int w, int seed)
    {
        var model = SequentialModel.Create(TestDevice.Current, spec, [c, h, w]);
        model.Initialize(seed);
        return model;
    }

    internal static double[] Example(float[] x, int b, int n) => x.Skip(b * n).Take(n).Select(v => (double)v).ToArray();

    internal static double CentralDifference(Func<double, double> f, double at)
    {
        const double h = 1e-5;
        return (f(at + h) - f(at - h)) / (2 * h);
    }
}
