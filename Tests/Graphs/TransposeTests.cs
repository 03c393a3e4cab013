using IlgpuBlindSpots.Network.Layers;

namespace IlgpuBlindSpots.Tests.Graphs;

/// <summary>
/// Transpose: the kernel against a float64 reference, its backward pass against finite differences,
/// and shufflenet_v2's channel shuffle (Reshape, Transpose, Reshape; scripts/make_shape_op_fixtures.py)
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
        using var shuffle = ShapeOpFixture.Imported("graphs/channel_shuffle_op13.onnx", 41, "channel shuffle");
        Assert.Contains(shuffle.Model.Nodes, n => n.Layer is TransposeLayer);
        shuffle.ExportAgrees("channel shuffle");
    }
}
