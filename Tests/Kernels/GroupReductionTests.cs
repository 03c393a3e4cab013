using ILGPU;
using ILGPU.Runtime;

namespace IlgpuBlindSpots.Tests.Kernels;

/// <summary>
/// <see cref="GroupReduction"/>'s tree sums and maximum over the lanes of a group of the device's
/// <see cref="IlgpuBlindSpots.Network.ComputeDevice.ProblemGroupSize"/>, against float64 sums on the host, with
/// NaN propagated by the maximum; each group reduces its own row, lane j taking j, j + G, …
/// </summary>
public class GroupReductionTests
{
    private const int Groups = 5, N = 301;

    /// <summary>out[g] = (Σ v, Σ v², Σ 2v, Σ v by Sum, max v) of row g.</summary>
    private static void Reduce(ArrayView<float> values, ArrayView<double> results)
    {
        var scratch = SharedMemory.Allocate<double>(3 * GroupReduction.MaxLanes);
        int g = Grid.IdxX, n = values.IntLength / (results.IntLength / 5);
        double a = 0, b = 0, c = 0, max = double.NegativeInfinity;
        for (int k = Group.IdxX; k < n; k += Group.DimX)
        {
            double v = values[g * n + k];
            a += v;
            b += v * v;
            c += 2 * v;
            max = v > max || double.IsNaN(v) ? v : max;
        }
        var sums = GroupReduction.Sum3(scratch, a, b, c);
        double sum = GroupReduction.Sum(scratch, a);
        max = GroupReduction.MaxPropagatingNaN(scratch, max);
        if (Group.IdxX != 0) return;
        results[5 * g] = sums.A;
        results[5 * g + 1] = sums.B;
        results[5 * g + 2] = sums.C;
        results[5 * g + 3] = sum;
        results[5 * g + 4] = max;
    }

    [Fact]
    public void SumsAndMaximumMatchTheFloat64Reference()
    {
        var dev = TestDevice.Current;
        float[] values = Rand.Uniform(7, Groups * N, -1, 1);
        values[3 * N + 17] = float.NaN;
        using var tv = dev.Accelerator.Allocate1D(values);
        using var results = dev.Accelerator.Allocate1D<double>(5 * Groups);
        var kernel = dev.Accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<double>>(Reduce);
        kernel(new KernelConfig(Groups, dev.ProblemGroupSize), tv.View, results.View);
        double[] r = results.GetAsArray1D();
        for (int g = 0; g < Groups; g++)
        {
            var row = values.AsSpan(g * N, N).ToArray().Select(v => (double)v).ToArray();
            if (g == 3)
            {
                Assert.True(double.IsNaN(r[5 * g + 4]), "NaN is not propagated by the maximum");
                continue;
            }
            Assert.Equal(row.Sum(), r[5 * g], 1e-9);
            Assert.Equal(row.Sum(v => v * v), r[5 * g + 1], 1e-9);
            Assert.Equal(row.Sum(v => 2 * v), r[5 * g + 2], 1e-9);
            Assert.Equal(row.Sum(), r[5 * g + 3], 1e-9);
            Assert.Equal(row.Max(), r[5 * g + 4]);
        }
    }
}
