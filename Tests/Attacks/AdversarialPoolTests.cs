using IlgpuBlindSpots.Optimizer.Attacks;
using ILGPU.Runtime;

namespace IlgpuBlindSpots.Tests.Attacks;

/// <summary>
/// The adversarial pool: every example it puts in is misclassified by the model it was made
/// against, carries its true label, stays in the pixel box, and the pool fills, then renews
/// slots, on its schedule.
/// </summary>
public class AdversarialPoolTests
{
    private static AdversarialPoolOptions Options(PoolTarget target = PoolTarget.Random) => new()
    {
        Size = 30, RefreshCount = 20, RefreshEvery = 5, Target = target, Seed = 3,
    };

    private static int[] Predict(TrainedDigitModel t, float[] images, int count) =>
        Predict(t.Model, images, [count, 1, 28, 28]);

    /// <summary>The model's class for each row of <paramref name="rows"/>, shaped [count, ...] as the model takes them.</summary>
    private static int[] Predict(SequentialModel model, float[] rows, int[] shape)
    {
        using var x = Tensor.FromArray(TestDevice.Current, rows, shape);
        float[] logits = model.Logits(x).ToArray();
        int classes = model.Classes;
        return Enumerable.Range(0, shape[0]).Select(i =>
        {
            var row = logits.AsSpan(i * classes, classes);
            int best = 0;
            for (int c = 1; c < classes; c++) if (row[c] > row[best]) best = c;
            return best;
        }).ToArray();
    }

    [Theory]
    [InlineData(PoolTarget.Random)]
    [InlineData(PoolTarget.Next)]
    [InlineData(PoolTarget.Any)]
    public void RegeneratedExamplesAreAdversarialForTheModelAtGenerationTime(PoolTarget target)
    {
        var t = TrainedDigitModel.Instance;
        using var pool = new AdversarialPool(TestDevice.Current, t.Data, Options(target));
        Assert.Equal(0, pool.Count);
        pool.BeforeStep(t.Model, 0);

        Assert.Equal(20, pool.Attacked);
        Assert.True(pool.Count >= 12, $"only {pool.Count} of 20 attacks made examples");
        Assert.Equal(pool.Count, pool.Made);
        int n = t.Data.ImageSize;
        float[] images = pool.Images.ToArray().AsSpan(0, pool.Count * n).ToArray();
        int[] labels = Read(pool.Labels.SubView(0, pool.Count));
        int[] predicted = Predict(t, images, pool.Count);
        var made = pool.LastResults.Where(r => r.Success).ToList();
        Assert.Equal(pool.Count, made.Count);
        for (int i = 0; i < pool.Count; i++)
        {
            Assert.Equal(made[i].Label, labels[i]);
            Assert.NotEqual(labels[i], predicted[i]);
            if (target == PoolTarget.Any) Assert.Equal(-1, made[i].Target);
            else Assert.Equal(made[i].Target, predicted[i]);
            if (target == PoolTarget.Next) Assert.Equal((labels[i] + 1) % 10, predicted[i]);
            Assert.InRange(made[i].Distortion.Rms, 1e-4, 0.3);
        }
        Assert.All(images, v => Assert.InRange(v, 0f, 1f));
        Assert.InRange(pool.MeanDistortion, 1e-4, 0.3);
    }

    [Fact]
    public void ThePoolKeepsTheTrueLabelOfTheAttackedTrainingExample()
    {
        var t = TrainedDigitModel.Instance;
        using var pool = new AdversarialPool(TestDevice.Current, t.Data, Options());
        pool.Regenerate(t.Model, 0);
        int n = t.Data.ImageSize;
        float[] images = pool.Images.ToArray();
        int[] labels = Read(pool.Labels);
        // Each pool example is within its distortion of some training digit that has its label.
        for (int i = 0; i < pool.Count; i++)
        {
            var image = images.AsSpan(i * n, n);
            double nearest = double.PositiveInfinity;
            int nearestLabel = -1;
            for (int e = 0; e < t.Data.Count; e++)
            {
                double d = Distortions.Between(t.Data.Images.AsSpan(e * n, n), image).Rms;
                if (d < nearest) (nearest, nearestLabel) = (d, t.Data.Labels[e]);
            }
            Assert.Equal(nearestLabel, labels[i]);
        }
    }

    [Fact]
    public void ThePoolRegeneratesOnItsScheduleFillsThenReplacesSlots()
    {
        var t = TrainedDigitModel.Instance;
        using var pool = new AdversarialPool(TestDevice.Current, t.Data, Options());
        pool.BeforeStep(t.Model, 0);
        int first = pool.Count;
        for (long step = 1; step < 5; step++) pool.BeforeStep(t.Model, step);
        Assert.Equal(20, pool.Attacked);
        Assert.Equal(first, pool.Count);
        for (long step = 5; step <= 20; step++) pool.BeforeStep(t.Model, step);
        Assert.Equal(100, pool.Attacked);
        Assert.Equal(30, pool.Count);
        Assert.True(pool.Made > 30);
        Assert.All(pool.LastSlots, s => Assert.InRange(s, 0, 29));
        Assert.Equal(pool.LastResults.Count(r => r.Success), pool.LastSlots.Count);
    }

    [Fact]
    public void AHiddenLayersPoolHoldsOutputsOfThatLayerThatFoolTheLayersAbove()
    {
        var t = TrainedDigitModel.Instance;
        using var pool = new AdversarialPool(t.Model, t.Data, Options(PoolTarget.Any) with { Layer = 2 });
        Assert.Equal(2, pool.Layer);
        Assert.Equal(32, pool.Images.RowLength);
        pool.Regenerate(t.Model, 0);
        Assert.True(pool.Count >= 12, $"only {pool.Count} of 20 attacks made examples");

        int w = 32;
        float[] rows = pool.Images.ToArray().AsSpan(0, pool.Count * w).ToArray();
        int[] labels = Read(pool.Labels.SubView(0, pool.Count));
        using var above = t.Model.Above(2);
        int[] predicted = Predict(above, rows, [pool.Count, w]);
        var made = pool.LastResults.Where(r => r.Success).ToList();
        for (int i = 0; i < pool.Count; i++)
        {
            Assert.Equal(made[i].Label, labels[i]);
            Assert.NotEqual(labels[i], predicted[i]);
            Assert.Equal(w, made[i].Adversarial.Length);
        }
        // Sigmoid outputs, moved within the box [0, 1] the attack searches.
        Assert.All(rows, v => Assert.InRange(v, 0f, 1f));
        Assert.InRange(pool.MeanDistortion, 1e-4, 0.5);
    }

    [Fact]
    public void SuccessesAboveTheDistortionBoundAreLeftOut()
    {
        var t = TrainedDigitModel.Instance;
        using var unbounded = new AdversarialPool(TestDevice.Current, t.Data, Options());
        unbounded.Regenerate(t.Model, 0);
        var distortions = unbounded.LastResults.Where(r => r.Success).Select(r => r.Distortion.Rms).Order().ToArray();
        Assert.True(distortions.Length >= 12);
        double median = distortions[distortions.Length / 2];

        // The same step attacks the same examples the same way; the bound only filters.
        using var bounded = new AdversarialPool(TestDevice.Current, t.Data, Options() with { MaxDistortion = median });
        bounded.Regenerate(t.Model, 0);
        Assert.Equal(distortions.Count(d => d <= median), bounded.Count);
        Assert.Equal(distortions.Count(d => d > median), bounded.TooLarge);
        Assert.True(bounded.TooLarge > 0);
        Assert.All(bounded.LastSlots, s => Assert.InRange(s, 0, bounded.Count - 1));
        Assert.InRange(bounded.MeanDistortion, 0, median);
        Assert.Contains("max-distortion=", bounded.Description);
        Assert.DoesNotContain("max-distortion", unbounded.Description);
    }

    [Theory]
    [InlineData("fc:16,relu,fc:10", 2, "relu")]
    [InlineData("fc:16,sigmoid,fc:10", 1, "fc:16")]
    [InlineData("fc:16,sigmoid,fc:10", 3, "not a hidden layer")]
    public void AHiddenPoolNeedsASigmoidsOutputsBelowTheLastLayer(string spec, int layer, string fragment)
    {
        var t = TrainedDigitModel.Instance;
        using var model = SequentialModel.Create(TestDevice.Current, spec, [1, 28, 28]);
        var e = Assert.Throws<BlindSpotsException>(() => new AdversarialPool(model, t.Data, Options() with { Layer = layer }));
        Assert.StartsWith("--pool-layers", e.Message);
        Assert.Contains(fragment, e.Message);
        Assert.Throws<ArgumentException>(() => new AdversarialPool(TestDevice.Current, t.Data, Options() with { Layer = 2 }));
    }

    [Theory]
    [InlineData(0, 20, 5, "--pool-size")]
    [InlineData(30, 0, 5, "--pool-refresh")]
    [InlineData(30, 20, 0, "--pool-refresh")]
    public void OptionsOutOfRangeAreRefusedByName(int size, int count, int every, string option)
    {
        var e = Assert.Throws<BlindSpotsException>(() =>
            new AdversarialPoolOptions { Size = size, RefreshCount = count, RefreshEvery = every }.Validate());
        Assert.StartsWith(option, e.Message);
    }

    private static int[] Read(ILGPU.ArrayView<int> view)
    {
        var a = new int[view.Length];
        view.CopyToCPU(a);
        return a;
    }
}
