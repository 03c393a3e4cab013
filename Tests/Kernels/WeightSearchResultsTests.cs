using ILGPU;
using ILGPU.Runtime;

namespace IlgpuBlindSpots.Tests.Kernels;

/// <summary>
/// <see cref="WeightSearchResults.Pack"/> against the record built on the host from the same
/// search state: each int and float64 field, and the row from best where the search found a success, else from x.
/// </summary>
public class WeightSearchResultsTests
{
    private const int P = 37, N = 11;

    [Fact]
    public void PackWritesEachProblemsFieldsAndReportedRow()
    {
        var dev = TestDevice.Current;
        var rng = new Random(5);
        var searchInt = new int[WeightSearchSteps.IntFields * P + 1];
        for (int i = 0; i < searchInt.Length; i++) searchInt[i] = rng.Next(1, 1000);
        for (int p = 0; p < P; p++) searchInt[(int)SearchIntField.Found * P + p] = p % 3 == 0 ? 0 : 1;
        var searchReal = Enumerable.Range(0, WeightSearchSteps.RealFields * P).Select(_ => rng.NextDouble() * 100).ToArray();
        float[] x = Rand.Uniform(1, P * N, -1, 1), best = Rand.Uniform(2, P * N, -1, 1);
        var settings = new WeightSearchSettings { Problems = P, Dimension = N };

        using var si = dev.Accelerator.Allocate1D(searchInt);
        using var sr = dev.Accelerator.Allocate1D(searchReal);
        using var tx = Tensor.FromArray(dev, x, P, N);
        using var tb = Tensor.FromArray(dev, best, P, N);
        int record = WeightSearchResults.Fields + N;
        using var packed = dev.Accelerator.Allocate1D<double>(P * record);
        var s = dev.Split(P * record);
        dev.KernelCache.Load<WorkSplit, WeightSearchSettings, ArrayView<int>, ArrayView<double>, ArrayView<float>, ArrayView<float>, ArrayView<double>>(
            WeightSearchResults.Pack)(s.Threads, s, settings, si.View, sr.View, tx.View, tb.View, packed.View);
        double[] r = packed.GetAsArray1D();

        for (int p = 0; p < P; p++)
        {
            int at = p * record;
            bool found = p % 3 != 0;
            for (int f = 0; f < WeightSearchSteps.IntFields; f++) Assert.Equal(searchInt[f * P + p], r[at + f]);
            for (int f = 0; f < WeightSearchSteps.RealFields; f++)
                Assert.Equal(searchReal[f * P + p], r[at + WeightSearchResults.Reals + f]);
            var source = found ? best : x;
            for (int k = 0; k < N; k++) Assert.Equal(source[p * N + k], (float)r[at + WeightSearchResults.Fields + k]);
        }
    }
}
