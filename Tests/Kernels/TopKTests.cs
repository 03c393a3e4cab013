using ILGPU;
using ILGPU.Runtime;

namespace IlgpuBlindSpots.Tests.Kernels;

/// <summary>
/// <see cref="TopK"/> against a float64 sort (value descending, then row ascending, NaN never
/// picked), on shapes where chunks are partial, k exceeds a chunk, and k equals the rows.
/// </summary>
public class TopKTests
{
    public static TheoryData<int, int, int, int> Shapes => new()
    {
        // rows, columns, chunk rows, k
        { 1, 1, 1, 1 }, { 10, 3, 4, 3 }, { 37, 5, 8, 8 }, { 100, 7, 256, 5 }, { 9, 2, 3, 9 }, { 50, 4, 7, 1 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void CandidatesAndMergeMatchAFloat64Sort(int rows, int columns, int chunkRows, int k)
    {
        var dev = TestDevice.Current;
        // Values on a coarse grid, so many are tied and the tie-break by row is exercised.
        var values = Rand.Uniform(11 + rows, rows * columns).Select(v => MathF.Round(v * 4) / 4).ToArray();
        if (rows > 2) values[1 * columns] = float.NaN; // row 1 of column 0 must never be picked
        int chunks = (rows + chunkRows - 1) / chunkRows;
        using var onDevice = dev.Accelerator.Allocate1D(values);
        using var candidateValues = dev.Accelerator.Allocate1D<float>(columns * chunks * k);
        using var candidateRows = dev.Accelerator.Allocate1D<int>(columns * chunks * k);
        using var topValues = dev.Accelerator.Allocate1D<float>(columns * k);
        using var topRows = dev.Accelerator.Allocate1D<int>(columns * k);
        var s = dev.Split(columns * chunks);
        dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<int>, int, int, int, int>(TopK.Candidates)(
            s.Threads, s, onDevice.View, candidateValues.View, candidateRows.View, rows, columns, chunkRows, k);
        s = dev.Split(columns);
        dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<int>, int, int>(TopK.Merge)(
            s.Threads, s, candidateValues.View, candidateRows.View, topValues.View, topRows.View, chunks, k);
        var gotRows = topRows.GetAsArray1D();
        var gotValues = topValues.GetAsArray1D();

        for (int c = 0; c < columns; c++)
        {
            var expected = Enumerable.Range(0, rows)
                .Select(r => (Value: (double)values[r * columns + c], Row: r))
                .Where(p => !double.IsNaN(p.Value))
                .OrderByDescending(p => p.Value).ThenBy(p => p.Row)
                .Take(k).ToList();
            for (int i = 0; i < k; i++)
            {
                if (i < expected.Count)
                {
                    Assert.Equal(expected[i].Row, gotRows[c * k + i]);
                    Assert.Equal(expected[i].Value, gotValues[c * k + i]);
                }
                else
                    Assert.Equal(-1, gotRows[c * k + i]); // fewer finite values than k
            }
        }
    }
}
