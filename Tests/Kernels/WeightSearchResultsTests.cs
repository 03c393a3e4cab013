using ILGPU;
using ILGPU.Runtime;

namespace IlgpuBlindSpots.Tests.Kernels;

/// <summary>
/// <see cref="WeightSearchResults.Pack"/> against the record built on the host from the same
/// search state: each field, and the row from best where the search found a success, else from x.
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
        for (int p = 0; p < P; p++) searchInt[WeightSearchSteps.Found * P + p] = p % 3 == 0 ? 0 : 1;
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
            Assert.Equal(searchInt[WeightSearchSteps.Stop * P + p], r[at + WeightSearchResults.Stop]);
            Assert.Equal(searchInt[WeightSearchSteps.Iterations * P + p], r[at + WeightSearchResults.Iterations]);
            Assert.Equal(searchInt[WeightSearchSteps.Evaluations * P + p], r[at + WeightSearchResults.Evaluations]);
            Assert.Equal(found ? 1.0 : 0.0, r[at + WeightSearchResults.Found]);
            int solverStop = found ? WeightSearchSteps.BestSolverStop : WeightSearchSteps.LatestSolverStop;
            Assert.Equal(searchInt[solverStop * P + p], r[at + WeightSearchResults.SolverStop]);
            Assert.Equal(found ? searchReal[WeightSearchSteps.BestWeight * P + p] : double.NaN, r[at + WeightSearchResults.Weight]);
            var source = found ? best : x;
            for (int k = 0; k < N; k++) Assert.Equal(source[p * N + k], (float)r[at + WeightSearchResults.Fields + k]);
        }
    }
}
