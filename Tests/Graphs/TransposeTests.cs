using IlgpuBlindSpots.Network.Layers;
using Microsoft.ML.OnnxRuntime;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;

namespace IlgpuBlindSpots.Tests.Graphs;

/// <summary>
/// Transpose: the kernel against a float64 reference, its backward pass against finite differences,
/// and shufflenet_v2's channel shuffle (Reshape, Transpose, Reshape; scripts/make_transpose_fixtures.py)
/// imported from ONNX against ONNX Runtime, and exported back.
/// </summary>
public class TransposeTests
{
    [Theory]
    [InlineData(new[] { 3, 4, 5 }, new[] { 0, 2, 3, 1 })]
    [InlineData(new[] { 2, 3, 2, 2 }, new[] { 0, 2, 1, 3, 4 })]
    [InlineData(new[] { 6 }, new[] { 0, 1 })]
    public void TransposeMatchesReference(int[] example, int[] perm)
    {
        using var layer = new TransposeLayer(TestDevice.Current, example, perm);
        int[] shape = [2, .. example];
        LayerCheck.One(layer, shape, (x, _) => TransposeReference.Transpose(x, shape, perm), $"transpose {string.Join(",", perm)}");
        Assert.Equal(perm.Skip(1).Select(p => example[p - 1]).ToArray(), layer.OutputShape(example));
    }

    [Fact]
    public void APermutationThatMovesTheBatchAxisIsRefused()
    {
        var e = Assert.Throws<BlindSpotsException>(() => new TransposeLayer(TestDevice.Current, [3, 4], [1, 0, 2]));
        Assert.Contains("keeps the batch axis first", e.Message);
    }

    [Fact]
    public void ChannelShuffleMatchesOnnxRuntimeAndExportsBack()
    {
        string path = RepoFiles.Fixture("graphs/channel_shuffle_op13.onnx");
        float[] input = Rand.Uniform(41, 2 * 3 * 16 * 16, 0f, 1f);
        using var model = OnnxModelFile.Load(TestDevice.Current, path);
        Assert.Contains(((GraphModel)model).Nodes, n => n.Layer is TransposeLayer);
        using var x = Tensor.FromArray(TestDevice.Current, input, [2, 3, 16, 16]);
        float[] ours = model.Logits(x, BackwardUse.None).ToArray();
        TorchvisionGraphTests.AssertClose(RunOnnxRuntime(path, input), ours, 1e-4, "channel shuffle vs ONNX Runtime");
        using var folder = new TempFolder();
        string exported = folder.File("shuffle.onnx");
        OnnxModelFile.Save(exported, model);
        TorchvisionGraphTests.AssertClose(RunOnnxRuntime(exported, input), ours, 1e-4, "exported channel shuffle in ONNX Runtime");
    }

    internal static float[] RunOnnxRuntime(string path, float[] input, params int[] shape)
    {
        using var session = new InferenceSession(path);
        var tensor = new DenseTensor(input, shape.Length > 0 ? shape : [2, 3, 16, 16]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(session.InputMetadata.Single().Key, tensor)]);
        return results.First().AsEnumerable<float>().ToArray();
    }
}
