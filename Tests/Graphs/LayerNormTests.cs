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
        string path = RepoFiles.Fixture("graphs/layer_norm_op17.onnx");
        float[] input = Rand.Uniform(47, 2 * 3 * 16 * 16, 0f, 1f);
        using var model = OnnxModelFile.Load(TestDevice.Current, path);
        Assert.Contains(((GraphModel)model).Nodes, n => n.Layer is LayerNormLayer);
        using var x = Tensor.FromArray(TestDevice.Current, input, [2, 3, 16, 16]);
        float[] ours = model.Logits(x, BackwardUse.None).ToArray();
        TorchvisionGraphTests.AssertClose(TransposeTests.RunOnnxRuntime(path, input), ours, 1e-4, "LayerNormalization network vs ONNX Runtime");
        using var folder = new TempFolder();
        string saved = folder.File("ln.safetensors");
        ModelFile.Save(saved, model);
        using var reloaded = ModelFile.Load(TestDevice.Current, saved);
        Assert.Equal(ours, reloaded.Logits(x, BackwardUse.None).ToArray());
        string exported = folder.File("ln.onnx");
        OnnxModelFile.Save(exported, model);
        TorchvisionGraphTests.AssertClose(TransposeTests.RunOnnxRuntime(exported, input), ours, 1e-4, "LayerNormalization written at opset 13 in ONNX Runtime");
    }
}
