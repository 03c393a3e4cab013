using ILGPU;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// ONNX Transpose: y = x with its axes permuted, y's axis d being x's axis perm[d]. Its backward
/// pass is the same gather with the inverse permutation (dX = dY with its axes put back).
/// </summary>
public static class Transpose
{
    /// <summary>x's flat index of y's flat index i: Σ_d o_d · stride_d, o_d i's coordinates along y's dims.</summary>
    private static int SourceIndex(int i, ArrayView<int> layout, int rank)
    {
        int rest = i, source = 0;
        for (int d = rank - 1; d >= 0; d--)
        {
            int dim = layout[d];
            source += rest % dim * layout[rank + d];
            rest /= dim;
        }
        return source;
    }

    /// <summary>
    /// y[i] = x[<see cref="SourceIndex"/>(i)].
    /// layout: y's dims (rank), then for each of y's axes the stride of x's matching axis (rank). Items: elements of y.
    /// </summary>
    public static void Forward(Index1D t, WorkSplit s, ArrayView<float> x, ArrayView<float> y, ArrayView<int> layout, int rank)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int i = s.Item(t, j);
            if (i >= s.Count) return;
            y[i] = x[SourceIndex(i, layout, rank)];
        }
    }
}
