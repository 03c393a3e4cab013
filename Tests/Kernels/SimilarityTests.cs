using ILGPU;
using ILGPU.Runtime;
using IlgpuBlindSpots.Kernels;
using IlgpuBlindSpots.Network;
using IlgpuBlindSpots.Tests.Reference;
using Xunit;

namespace IlgpuBlindSpots.Tests.Kernels;

/// <summary><see cref="Similarity.PairwiseCosine"/> against float64 cosines, pair order included, a zero row giving 0.</summary>
public class SimilarityTests
{
    [Theory]
    [InlineData(12, 13, 5, 4)]
    [InlineData(6, 1, 3, 2)]
    [InlineData(30, 100, 7, 8)]
    public void MatchesFloat64Cosines(int n, int features, int groups, int k)
    {
        var dev = TestDevice.Cpu;
        var rows = Rand.Uniform(3 + n, n * features);
        Array.Clear(rows, 2 * features, features); // row 2 is all zeros
        var rng = new Random(5);
        var members = new int[groups * k];
        for (int g = 0; g < groups; g++)
        {
            var pick = Enumerable.Range(0, n).OrderBy(_ => rng.Next()).Take(k).ToArray();
            pick.CopyTo(members, g * k);
        }
        members[0] = 2;
        using var tRows = Tensor.FromArray(dev, rows, n, features);
        using var tGroups = dev.Accelerator.Allocate1D(members);
        int pairs = k * (k - 1) / 2;
        using var cosines = dev.Accelerator.Allocate1D<double>(groups * pairs);
        var s = dev.Split(groups * pairs);
        dev.Kernels.Load<WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<double>, int, int>(Similarity.PairwiseCosine)(
            s.Threads, s, tRows.View, tGroups.View, cosines.View, features, k);
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
                        double a = rows[members[g * k + i] * features + f], b = rows[members[g * k + j] * features + f];
                        dot += a * b;
                        aa += a * a;
                        bb += b * b;
                    }
                    double expected = aa > 0 && bb > 0 ? dot / Math.Sqrt(aa * bb) : 0;
                    Assert.True(Math.Abs(got[g * pairs + p] - expected) <= 1e-12,
                        $"group {g} pair ({i}, {j}): expected {expected:R}, got {got[g * pairs + p]:R}");
                }
        }
        Assert.Equal(0.0, got[0]); // the zero row's pairs
    }
}
