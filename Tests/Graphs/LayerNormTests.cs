using IlgpuBlindSpots.Network.Layers;

namespace IlgpuBlindSpots.Tests.Graphs;

/// <summary>
/// LayerNormalization: the kernels against a float64 reference, input and parameter gradients against
/// finite differences, and convnext's channels-last LayerNorm (Transpose, LayerNormalization, Transpose;
/// scripts/make_shape_op_fixtures.py, opset 17) against ONNX Runtime, through a model file and exported back.
/// </summary>
public class LayerNormTests
{
    [Theory]
    [InlineData(new[] { 3, 4, 5 }, 3)]
    [InlineData(new[] { 3, 4, 5 }, 2)]
    [InlineData(new[] { 6 }, 1)]
    public void LayerNormMatchesReference(int[] example, int axis)
    {
        using var layer = new LayerNormLayer(TestDevice.Current, example, axis, 1e-5f, "ln");
        int length = example.Skip(axis - 1).Aggregate(1, (a, b) => a * b);
        LayerCheck.One(layer, [2, .. example], (x, p) => LayerNormReference.Normalize(x, p[0], p[1], length, 1e-5), $"layernorm from axis {axis}");
    }

    [Fact]
    public void ConvnextLayerNormMatchesOnnxRuntimeAndSurvivesAModelFile()
    {
        using var norm = ShapeOpFixture.Imported("graphs/layer_norm_op17.onnx", 47, "LayerNormalization network");
        Assert.Contains(norm.Model.Nodes, n => n.Layer is LayerNormLayer);
        string saved = norm.Folder.File("ln.safetensors");
        ModelFile.Save(saved, norm.Model);
        using var reloaded = ModelFile.Load(TestDevice.Current, saved);
        Assert.Equal(norm.Logits, reloaded.Logits(norm.X, BackwardUse.None).ToArray());
        norm.ExportAgrees("LayerNormalization network, written at opset 13,");
    }
}
