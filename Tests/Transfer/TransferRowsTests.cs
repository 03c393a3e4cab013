using IlgpuBlindSpots.Optimizer.Transfer;

namespace IlgpuBlindSpots.Tests.Transfer;

/// <summary>
/// The rows of a transfer table from adversarial sets: order, names, kinds and sources; each row's
/// distortion against a float64 recomputation from its own images; the noise rows over the clean
/// inputs of every example of any set, once each, in index order; sets of two sources refused.
/// </summary>
public class TransferRowsTests
{
    private static readonly int[] Shape = [1, 2, 3];
    private const int N = 6;

    /// <summary>A set with one example per index: original v/10 + index/100 everywhere, adversarial shifted by shift.</summary>
    private static AttackedExamples Set(string name, int[] indices, float shift, string data = "digits test")
    {
        var originals = new float[indices.Length * N];
        var adversarials = new float[indices.Length * N];
        for (int e = 0; e < indices.Length; e++)
            for (int v = 0; v < N; v++)
            {
                originals[e * N + v] = v / 10f + indices[e] / 100f;
                adversarials[e * N + v] = Math.Clamp(originals[e * N + v] + (v % 2 == 0 ? shift : -shift), 0f, 1f);
            }
        return new AttackedExamples(name, $"runs/{name}", data, Shape, indices, indices.Select(i => i % 10).ToArray(), originals, adversarials);
    }

    private static double Distortion(float[] clean, float[] perturbed)
    {
        double sum = 0;
        int count = clean.Length / N;
        for (int e = 0; e < count; e++)
        {
            double squares = 0;
            for (int v = 0; v < N; v++) squares += Math.Pow((double)perturbed[e * N + v] - clean[e * N + v], 2);
            sum += Math.Sqrt(squares / N);
        }
        return sum / count;
    }

    [Fact]
    public void RowsComeSetBySetThenAmplifiedThenNoiseOverTheCleanInputsInIndexOrder()
    {
        var a = Set("a", [1, 3, 7], 0.05f);
        var b = Set("b", [0, 3], 0.02f);
        var rows = TransferRows.Build(TestDevice.Current, [a, b], amplifyTo: 0.1, noise: [0.1, 0.3], seed: 5);

        Assert.Equal(new[] { "a", "b", "a amplified to 0.1", "b amplified to 0.1", "Gaussian noise, stddev 0.1", "Gaussian noise, stddev 0.3" },
            rows.Select(r => r.Name));
        Assert.Equal(new[] { TransferRowKind.Adversarial, TransferRowKind.Adversarial, TransferRowKind.Amplified, TransferRowKind.Amplified,
            TransferRowKind.GaussianNoise, TransferRowKind.GaussianNoise }, rows.Select(r => r.Kind));
        Assert.Equal(new[] { "a", "b", "a", "b", null, null }, rows.Select(r => r.Source));

        Assert.Same(a.Adversarials, rows[0].Images);
        Assert.Equal(a.Labels, rows[0].Labels);
        Assert.Equal(Distortion(a.Originals, a.Adversarials), rows[0].MeanDistortion, 1e-9);
        Assert.Equal(Distortion(b.Originals, b.Adversarials), rows[1].MeanDistortion, 1e-9);
        // Amplified: the set's perturbations rescaled to 0.1 (none is clipped here), its own labels.
        Assert.Equal(b.Labels, rows[3].Labels);
        Assert.Equal(0.1, Distortion(b.Originals, rows[3].Images), 1e-5);
        Assert.Equal(rows[3].MeanDistortion, Distortion(b.Originals, rows[3].Images), 1e-9);

        // Noise: examples 0, 1, 3, 7 once each; example 3's clean input is the same in both sets.
        int[] union = [0, 1, 3, 7];
        var clean = union.SelectMany(i => Enumerable.Range(0, N).Select(v => v / 10f + i / 100f)).ToArray();
        foreach (var noisy in rows.Skip(4))
        {
            Assert.Equal(union.Select(i => i % 10), noisy.Labels);
            Assert.Equal(clean.Length, noisy.Images.Length);
            Assert.All(noisy.Images, v => Assert.InRange(v, 0f, 1f));
            Assert.Equal(Distortion(clean, noisy.Images), noisy.MeanDistortion, 1e-9);
        }
        Assert.True(rows[5].MeanDistortion > rows[4].MeanDistortion);
    }

    [Fact]
    public void WithoutAmplificationOrNoiseThereIsOneRowPerSet()
    {
        var rows = TransferRows.Build(TestDevice.Current, [Set("a", [2], 0.1f)], amplifyTo: null, noise: [], seed: 1);
        Assert.Equal("a", Assert.Single(rows).Name);
    }

    [Fact]
    public void SetsOfAnotherDataSourceOrShapeAreRefusedNamingBoth()
    {
        var a = Set("a", [1], 0.1f);
        var other = Set("b", [1], 0.1f, data: "fashion test");
        var e = Assert.Throws<BlindSpotsException>(() => TransferRows.Build(TestDevice.Current, [a, other], null, [], 1));
        Assert.Equal("runs/b: made from fashion test, but runs/a from digits test; a table mixes sets of one data source only", e.Message);

        var wide = a with { Name = "w", Origin = "runs/w", Shape = [1, 3, 2] };
        e = Assert.Throws<BlindSpotsException>(() => TransferRows.Build(TestDevice.Current, [a, wide], null, [], 1));
        Assert.Equal("runs/w: inputs of 1×3×2, but runs/a holds 1×2×3", e.Message);
    }
}
