using ILGPU;
using ILGPU.Runtime;

namespace IlgpuBlindSpots.Tests.Kernels;

/// <summary><see cref="Similarity.PairwiseCosine"/> against float64 cosines about a centre, pair order included, a zero vector giving 0.</summary>
public class SimilarityTests
{
    [Theory]
    [InlineData(12, 13, 5, 4, false)]
    [InlineData(6, 1, 3, 2, false)]
    [InlineData(30, 100, 7, 8, false)]
    [InlineData(12, 13, 5, 4, true)]
    [InlineData(30, 100, 7, 8, true)]
    public void MatchesFloat64Cosines(int n, int features, int groups, int k, bool centred)
    {
        var dev = TestDevice.Current;
        var rows = Rand.Uniform(3 + n, n * features);
        var center = centred ? Rand.Uniform(4, features) : new float[features];
        Array.Copy(center, 0, rows, 2 * features, features); // row 2 is the centre: a zero vector about it
        var rng = new Random(5);
        var members = new int[groups * k];
        for (int g = 0; g < groups; g++)
        {
            var pick = Enumerable.Range(0, n).OrderBy(_ => rng.Next()).Take(k).ToArray();
            pick.CopyTo(members, g * k);
        }
        members[0] = 2;
        using var tRows = Tensor.FromArray(dev, rows, n, features);
        using var tCenter = Tensor.FromArray(dev, center, features);
        using var tGroups = dev.Accelerator.Allocate1D(members);
        int pairs = k * (k - 1) / 2;
        using var cosines = dev.Accelerator.Allocate1D<double>(groups * pairs);
        var s = dev.Split(groups * pairs);
        dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<double>, int, int>(Similarity.PairwiseCosine)(
            s.Threads, s, tRows.View, tCenter.View, tGroups.View, cosines.View, features, k);
        var got = cosines.GetAsArray1D();

        for (int g = 0; g < groups; g++)
        {
            int p = 0;
            for (int i = 0; i < k; i++)
                for (int j = i + 1; j < k; j++, p++)
                {
                    double dot = 0, aa = 0, bb = 0;
                    for (int f = 0; f < features; f++)
                    {
                        double a = (double)rows[members[g * k + i] * features + f] - center[f];
                        double b = (double)rows[members[g * k + j] * features + f] - center[f];
                        dot += a * b;
                        aa += a * a;
                        bb += b * b;
                    }
                    double expected = aa > 0 && bb > 0 ? dot / Math.Sqrt(aa * bb) : 0;
                    Assert.True(Math.Abs(got[g * pairs + p] - expected) <= 1e-12,
                        $"group {g} pair ({i}, {j}): expected {expected:R}, got {got[g * pairs + p]:R}");
                }
        }
        Assert.Equal(0.0, got[0]); // the pairs of the row at the centre
    }
}
