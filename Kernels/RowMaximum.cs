using ILGPU;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// The largest value of one row and where it is: the scan that the softmax losses, the argmax of
/// rows of logits and the weight search's trial prediction share, so that all of them break ties
/// the same way (the first index wins).
/// </summary>
internal static class RowMaximum
{
    /// <summary>The largest of z[row], …, z[row + n − 1] (n ≥ 1), and in <paramref name="index"/> the first k holding it.</summary>
    public static float Find(ArrayView<float> z, int row, int n, out int index)
    {
        float max = z[row];
        index = 0;
        for (int k = 1; k < n; k++)
        {
            float v = z[row + k];
            if (v > max)
            {
                max = v;
                index = k;
            }
        }
        return max;
    }
}
