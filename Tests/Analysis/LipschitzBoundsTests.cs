using System.Globalization;
using IlgpuBlindSpots.Optimizer.Analysis;

namespace IlgpuBlindSpots.Tests.Analysis;

/// <summary>The per-layer table and the network bound on a small random model with every kind of layer.</summary>
public class LipschitzBoundsTests
{
    private const string Spec = "conv:4x3x3p1,relu,maxpool:3s2,conv:5x3x3s2p1,tanh,dropout:0.3,fc:12,sigmoid,fc:5";
    private static readonly int[] Input = [2, 11, 11];

    [Fact]
    public void TheNetworkBoundIsNeverBelowTheChangeOfTheLogits()
    {
        var dev = TestDevice.Current;
        using var model = SequentialModel.Create(dev, Spec, Input);
        model.Initialize(7);
        var table = LipschitzBounds.Compute(model);
        Assert.True(table.Converged);

        int n = model.InputLength;
        const int directions = 16;
        var x = Rand.Uniform(8, n, 0f, 1f);
        var r = new float[directions * n];
        var rng = new Random(9);
        for (int d = 0; d < directions - 1; d++)
            SetDirection(r, d, n, Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 2 - 1).ToArray());
        // The last direction is the gradient of a random projection of the logits: the steepest one for it.
        using (var tx = Tensor.FromArray(dev, x, 1, Input[0], Input[1], Input[2]))
        {
            model.Forward(tx, training: false);
            using var u = Tensor.FromArray(dev, Rand.Uniform(10, model.Classes), 1, model.Classes);
            SetDirection(r, directions - 1, n, model.Backward(u, parameterGradients: false).ToArray().Select(v => (double)v).ToArray());
        }

        var batch = new float[(directions + 1) * n];
        for (int d = 0; d <= directions; d++)
            for (int i = 0; i < n; i++)
                batch[d * n + i] = x[i] + (d < directions ? r[d * n + i] : 0f);
        using var input = Tensor.FromArray(dev, batch, directions + 1, Input[0], Input[1], Input[2]);
        var logits = model.Logits(input).ToArray();
        int k = model.Classes;
        double worst = 0;
        for (int d = 0; d < directions; d++)
        {
            double dz = 0, dr = 0;
            for (int j = 0; j < k; j++) dz += Math.Pow(logits[d * k + j] - logits[directions * k + j], 2);
            for (int i = 0; i < n; i++) dr += Math.Pow((double)(x[i] + r[d * n + i]) - x[i], 2);
            worst = Math.Max(worst, Math.Sqrt(dz / dr));
        }
        Assert.True(worst > 0);
        Assert.True(worst <= table.Product, $"empirical ratio {worst:R} exceeds the bound {table.Product:R}");
    }

    [Fact]
    public void TheTableHasOneRowPerLayerWithThePapersColumns()
    {
        using var model = SequentialModel.Create(TestDevice.Current, Spec, Input);
        model.Initialize(11);
        var table = LipschitzBounds.Compute(model);

        Assert.Equal(model.Layers.Select(l => l.Spec), table.Layers.Select(l => l.Layer));
        Assert.Equal(Enumerable.Range(1, 9), table.Layers.Select(l => l.Position));
        var byLayer = table.Layers.ToDictionary(l => l.Layer);
        Assert.Equal(("2×3×3×4", "1"), (byLayer["conv:4x3x3p1"].Size, byLayer["conv:4x3x3p1"].Stride));
        Assert.Equal(("4×3×3×5", "2 (bound of stride 1)"), (byLayer["conv:5x3x3s2p1"].Size, byLayer["conv:5x3x3s2p1"].Stride));
        Assert.Equal(("45×12", "N/A"), (byLayer["fc:12"].Size, byLayer["fc:12"].Stride));
        Assert.Equal(("3×3", "2"), (byLayer["maxpool:3s2"].Size, byLayer["maxpool:3s2"].Stride));
        // 11 inputs, windows 3 at stride 2: the odd inputs 1…9 each lie in two windows.
        Assert.Equal(2.0, byLayer["maxpool:3s2"].UpperBound);
        Assert.Equal(1.0, byLayer["relu"].UpperBound);
        Assert.Equal(1.0, byLayer["tanh"].UpperBound);
        Assert.Equal(0.25, byLayer["sigmoid"].UpperBound);
        Assert.Equal(1.0, byLayer["dropout:0.3"].UpperBound);
        Assert.All(table.Layers, l => Assert.True(l.UpperBound > 0));

        double product = table.Layers.Aggregate(1.0, (p, l) => p * l.UpperBound);
        Assert.Equal(product, table.Product, tolerance: 1e-12);
        string md = table.ToMarkdown();
        Assert.Contains("| # | Layer | Size | Stride | Upper bound | Method |", md);
        Assert.Contains(product.ToString("G5", CultureInfo.InvariantCulture), md);
        Assert.Contains("| 3 | maxpool:3s2 | 3×3 | 2 | 2 |", md);
        Assert.Equal(table.Layers.Count + 3, md.TrimEnd().Split('\n').Length);
    }

    [Fact]
    public void AnUnconvergedBoundIsFlaggedInTheTable()
    {
        using var model = SequentialModel.Create(TestDevice.Current, "fc:20,relu,fc:3", [1, 5, 6]);
        model.Initialize(12);
        var table = LipschitzBounds.Compute(model, new PowerIterationOptions { MaxIterations = 2 });
        Assert.False(table.Converged);
        Assert.Contains("not converged in 2 iterations", table.ToMarkdown());
        Assert.Contains("some power iterations did not converge", table.ToMarkdown());
    }

    private static void SetDirection(float[] r, int d, int n, double[] direction)
    {
        // Small steps (‖r‖ = 1e-2·√n): the ratio probes the local slope, where a bound is tightest.
        double norm = Math.Sqrt(direction.Sum(v => v * v));
        double scale = 1e-2 * Math.Sqrt(n) / norm;
        for (int i = 0; i < n; i++) r[d * n + i] = (float)(direction[i] * scale);
    }
}
