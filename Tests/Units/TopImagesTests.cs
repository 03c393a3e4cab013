using IlgpuBlindSpots.Optimizer.Units;

namespace IlgpuBlindSpots.Tests.Units;

/// <summary>
/// The device path of the units analysis — activations by batches, projections, top k — against a
/// plain float64 host computation on a small model.
/// </summary>
public class TopImagesTests
{
    private const string Spec = "fc:9,sigmoid,fc:6,relu,fc:3";
    private const string ConvSpec = "conv:3x3x3p1,relu,maxpool:2,fc:3";
    private const int Images = 37, K = 5;

    private static (SequentialModel Model, Dataset Data) Setup(string spec = Spec)
    {
        var model = SequentialModel.Create(TestDevice.Current, spec, [1, 4, 5]);
        model.Initialize(3);
        var pixels = Rand.Uniform(17, Images * 20, 0f, 1f);
        var labels = Enumerable.Range(0, Images).Select(i => i % 3).ToArray();
        return (model, new Dataset(pixels, labels, 1, 4, 5, 3, "test images"));
    }

    [Theory]
    [InlineData(Spec, "2")]
    [InlineData(Spec, "hidden")]
    [InlineData(Spec, "fc:6")]
    [InlineData(ConvSpec, "1")]          // a convolution's output, flattened channel by channel
    [InlineData(ConvSpec, "maxpool:2")]
    public void ActivationsMatchTheFloat64ModelInBatchesThatDoNotDivideTheSet(string spec, string choice)
    {
        var (model, data) = Setup(spec);
        using var _ = model;
        var layer = UnitLayer.Resolve(model, choice);
        using var activations = ActivationMatrix.Compute(model, data, layer, batchSize: 8);
        Assert.Equal(new[] { Images, layer.Units }, activations.Shape);
        var expected = Reference(model, data, layer).SelectMany(r => r).ToArray();
        Compare.Close(expected, activations.ToArray(), rtol: 1e-4, atol: 1e-5, what: $"layer {layer.Position}");
    }

    [Theory]
    [InlineData("2", DirectionKind.Natural)]
    [InlineData("2", DirectionKind.Random)]
    [InlineData("4", DirectionKind.Natural)]
    [InlineData("4", DirectionKind.Random)]
    public void TopImagesAreThoseWithTheLargestProjectionsOnTheHost(string choice, DirectionKind kind)
    {
        var (model, data) = Setup();
        using var _ = model;
        var layer = UnitLayer.Resolve(model, choice);
        using var activations = ActivationMatrix.Compute(model, data, layer, batchSize: 8);
        var directions = kind == DirectionKind.Natural
            ? DirectionSet.Natural(layer.Units, 4, seed: 2)  // a subset: fewer directions than units
            : DirectionSet.Random(layer.Units, 7, seed: 2);
        var (rows, projections) = TopImages.Select(activations, directions, K);
        var phi = Reference(model, data, layer);

        for (int d = 0; d < directions.Count; d++)
        {
            var v = directions.Rows.AsSpan(d * layer.Units, layer.Units).ToArray();
            double[] host = phi.Select(a => a.Select((x, i) => x * v[i]).Sum()).ToArray();
            var best = host.OrderDescending().Take(K).ToArray();
            for (int r = 0; r < K; r++)
            {
                // The picked image's own projection is the r-th largest (up to float rounding, which may swap near-ties).
                Assert.True(Math.Abs(host[rows[d * K + r]] - best[r]) <= 1e-5, $"direction {d} rank {r}: picked {host[rows[d * K + r]]:R}, the r-th largest is {best[r]:R}");
                Assert.True(Math.Abs(projections[d * K + r] - best[r]) <= 1e-5, $"direction {d} rank {r}: projection {projections[d * K + r]:R}, expected {best[r]:R}");
            }
            Assert.Equal(K, rows.AsSpan(d * K, K).ToArray().Distinct().Count());
        }
    }

    [Fact]
    public void NaturalDirectionsAreBasisVectorsAndRandomOnesUnitVectors()
    {
        var all = DirectionSet.Natural(5, 8, seed: 1);
        Assert.Equal(new[] { 0, 1, 2, 3, 4 }, all.Numbers); // fewer units than asked: every unit
        var some = DirectionSet.Natural(50, 6, seed: 1);
        Assert.Equal(6, some.Numbers.Distinct().Count());
        Assert.Equal(some.Numbers.Order(), some.Numbers);
        for (int d = 0; d < some.Count; d++)
            for (int i = 0; i < 50; i++)
                Assert.Equal(i == some.Numbers[d] ? 1f : 0f, some.Rows[d * 50 + i]);
        var random = DirectionSet.Random(50, 6, seed: 1);
        for (int d = 0; d < random.Count; d++)
        {
            double norm = Math.Sqrt(random.Rows.AsSpan(d * 50, 50).ToArray().Sum(x => (double)x * x));
            Assert.InRange(norm, 1 - 1e-6, 1 + 1e-6);
        }
        Assert.Equal(random.Rows, DirectionSet.Random(50, 6, seed: 1).Rows);
        Assert.NotEqual(random.Rows, DirectionSet.Random(50, 6, seed: 2).Rows);
    }

    private static double[][] Reference(SequentialModel model, Dataset data, UnitLayer layer)
    {
        var reference = new ModelReference(model);
        return Enumerable.Range(0, data.Count)
            .Select(i => reference.Activations(data.Image(i).ToArray().Select(v => (double)v).ToArray(), layer.Position))
            .ToArray();
    }
}
