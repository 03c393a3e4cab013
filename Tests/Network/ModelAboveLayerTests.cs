using ILGPU;
using ILGPU.Runtime;

namespace IlgpuBlindSpots.Tests.Network;

/// <summary>
/// <see cref="SequentialModel.Above"/>: the layers above a hidden layer as a model of their own,
/// sharing parameters; and the weighted parameter gradient that lets its batches add to a step.
/// </summary>
public class ModelAboveLayerTests
{
    private const string Spec = "fc:7,sigmoid,dropout:0.3,fc:6,sigmoid,fc:3";

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void TheViewOfTheHiddenOutputsGivesTheModelsLogitsAndSharesItsParameters(int layer)
    {
        using var model = SequentialModelTests.Build(Spec, 1, 4, 3, seed: 11);
        const int batch = 5;
        var x = Rand.Uniform(12, batch * 12, 0f, 1f);
        using var input = Tensor.FromArray(TestDevice.Current, x, batch, 1, 4, 3);
        float[] logits = model.Logits(input).ToArray();
        int width = model.ShapeAfter(layer).Aggregate(1, (a, b) => a * b);
        using var hidden = Tensor.FromArray(TestDevice.Current, model.Activations(input, layer).ToArray(), batch, width);

        using (var above = model.Above(layer))
        {
            Assert.Equal(model.ShapeAfter(layer), above.InputShape);
            Assert.Equal(model.Classes, above.Classes);
            Assert.Equal(model.Layers.Skip(layer), above.Layers);
            Assert.Equal(model.Parameters.Skip(model.Parameters.Count - above.Parameters.Count), above.Parameters);
            Assert.Equal(logits, above.Logits(hidden).ToArray());
        }
        // Disposing the view leaves the model's layers alone.
        Assert.Equal(logits, model.Logits(input).ToArray());
    }

    [Fact]
    public void ShapesAfterLayersFollowTheArchitecture()
    {
        using var model = SequentialModelTests.Build(Spec, 1, 4, 3, seed: 13);
        Assert.Equal([1, 4, 3], model.ShapeAfter(0));
        Assert.Equal([7], model.ShapeAfter(1));
        Assert.Equal([6], model.ShapeAfter(4));
        Assert.Equal([3], model.ShapeAfter(6));
        Assert.Throws<BlindSpotsException>(() => model.ShapeAfter(7));
        Assert.Throws<BlindSpotsException>(() => model.Above(0));
        Assert.Throws<BlindSpotsException>(() => model.Above(6));
    }

    [Fact]
    public void AWeightedBatchAddsItsWeightTimesTheMeanLossGradient()
    {
        using var model = SequentialModelTests.Build(Spec, 1, 4, 3, seed: 14);
        const int batch = 4;
        var x = Rand.Uniform(15, batch * 12, 0f, 1f);
        using var input = Tensor.FromArray(TestDevice.Current, x, batch, 1, 4, 3);
        using var labels = TestDevice.Current.Accelerator.Allocate1D(new[] { 0, 2, 1, 2 });
        model.ZeroGradients();
        model.ParameterGradients(input, labels.View, training: false);
        var plain = model.Parameters.Select(p => p.Gradient.ToArray()).ToArray();

        // Two passes add up: 0.25 of the gradient on top of a zeroed one, then 0.5 more.
        model.ZeroGradients();
        model.ParameterGradients(input, labels.View, training: false, weight: 0.25f);
        model.ParameterGradients(input, labels.View, training: false, weight: 0.5f);
        for (int i = 0; i < plain.Length; i++)
            Compare.Close(plain[i].Select(v => 0.75 * v).ToArray(), model.Parameters[i].Gradient.ToArray(), rtol: 1e-5, atol: 1e-8,
                what: model.Parameters[i].Name);
    }
}
