using ILGPU;
using ILGPU.Algorithms;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// The k largest entries of every column of a row-major matrix, with their row numbers, in two
/// stages: each (column, chunk of rows) keeps its own k best as candidates, then one item per
/// column merges its candidates. Order: larger value first, on equal values the smaller row first;
/// NaN is never selected. Shapes: values [rows, columns]; candidates [columns, chunks, k] with
/// chunks = ⌈rows / chunkRows⌉; top [columns, k]. An unfilled slot has row −1.
/// </summary>
/// <remarks>
/// Each item keeps its k best in its own slice of the output, sorted, and inserts by shifting: k is
/// small (the images shown per direction), so that is cheaper than any heap. Chunking the rows gives
/// a GPU columns·chunks independent items instead of one per column.
/// </remarks>
public static class TopK
{
    /// <summary>
    /// For column c and chunk h, the k best of rows [h·chunkRows, (h + 1)·chunkRows) into
    /// candidate slot (c, h). Items: columns·chunks, item = h·columns + c, so neighbouring items
    /// read neighbouring values of a row.
    /// </summary>
    public static void Candidates(Index1D t, WorkSplit s,
        ArrayView<float> values, ArrayView<float> candidateValues, ArrayView<int> candidateRows,
        int rows, int columns, int chunkRows, int k)
    {
        int chunks = (rows + chunkRows - 1) / chunkRows;
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int item = s.Item(t, j);
            if (item >= s.Count) return;
            int column = item % columns, chunk = item / columns;
            int slot = (column * chunks + chunk) * k;
            Clear(candidateValues, candidateRows, slot, k);
            int end = Math.Min(rows, (chunk + 1) * chunkRows);
            for (int r = chunk * chunkRows; r < end; r++)
                Insert(candidateValues, candidateRows, slot, k, values[r * columns + column], r);
        }
    }

    /// <summary>For column c, the k best of its chunks·k candidates into top [c, :]. Items: columns.</summary>
    public static void Merge(Index1D t, WorkSplit s,
        ArrayView<float> candidateValues, ArrayView<int> candidateRows, ArrayView<float> topValues, ArrayView<int> topRows,
        int chunks, int k)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int column = s.Item(t, j);
            if (column >= s.Count) return;
            int slot = column * k, first = column * chunks * k;
            Clear(topValues, topRows, slot, k);
            for (int c = first; c < first + chunks * k; c++)
                if (candidateRows[c] >= 0)
                    Insert(topValues, topRows, slot, k, candidateValues[c], candidateRows[c]);
        }
    }

    private static void Clear(ArrayView<float> values, ArrayView<int> rows, int slot, int k)
    {
        for (int i = 0; i < k; i++)
        {
            values[slot + i] = 0f;
            rows[slot + i] = -1;
        }
    }

    /// <summary>Inserts (value, row) into the sorted k slots at <paramref name="slot"/> if it beats the last.</summary>
    private static void Insert(ArrayView<float> values, ArrayView<int> rows, int slot, int k, float value, int row)
    {
        int last = slot + k - 1;
        if (!Beats(value, row, values[last], rows[last])) return;
        int p = last;
        while (p > slot && Beats(value, row, values[p - 1], rows[p - 1]))
        {
            values[p] = values[p - 1];
            rows[p] = rows[p - 1];
            p--;
        }
        values[p] = value;
        rows[p] = row;
    }

    /// <summary>Whether (value, row) ranks before (other, otherRow); an empty slot (row −1) is beaten by any number.</summary>
    private static bool Beats(float value, int row, float other, int otherRow) =>
        otherRow < 0 ? !XMath.IsNaN(value) : value > other || (value == other && row < otherRow);
}
