using IlgpuBlindSpots.Network.Layers;

namespace IlgpuBlindSpots.Tests.Graphs;

/// <summary>
/// ReduceMean: the kernels against a float64 reference and finite differences, and a network with a
/// channel mean (keepdims) and PyTorch's x.mean([2, 3]) (scripts/make_shape_op_fixtures.py) against ONNX Runtime.
/// </summary>
public class ReduceMeanTests
{
    [Theory]
    [InlineData(new[] { 3, 4, 5 }, new[] { 2, 3 }, false)]
    [InlineData(new[] { 3, 4, 5 }, new[] { 1 }, true)]
    [InlineData(new[] { 3, 4, 5 }, new[] { 1, 3 }, true)]
    [InlineData(new[] { 7 }, new[] { 1 }, false)]
    public void ReduceMeanMatchesReference(int[] example, int[] axes, bool keepDims)
    {
        using var layer = new ReduceMeanLayer(TestDevice.Current, example, axes, keepDims);
        int[] shape = [2, .. example];
        LayerCheck.One(layer, shape, (x, _) => ReduceMeanReference.Mean(x, shape, axes), $"reducemean {string.Join(",", axes)}");
        int[] kept = example.Select((d, i) => axes.Contains(i + 1) ? 1 : d).ToArray();
        Assert.Equal(keepDims ? kept : example.Where((_, i) => !axes.Contains(i + 1)).ToArray(), layer.OutputShape(example));
    }

    [Fact]
    public void TheBatchAxisIsNotReduced()
    {
        var e = Assert.Throws<BlindSpotsException>(() => new ReduceMeanLayer(TestDevice.Current, [3, 4], [0, 1], true));
        Assert.Contains("after the batch axis", e.Message);
    }

    [Fact]
    public void ChannelAndSpatialMeansMatchOnnxRuntimeAndExportBack()
    {
        using var means = ShapeOpFixture.Imported("graphs/reduce_mean_op13.onnx", 43, "ReduceMean network");
        Assert.Equal(2, means.Model.Nodes.Count(n => n.Layer is ReduceMeanLayer));
        means.ExportAgrees("ReduceMean network");
    }
}
