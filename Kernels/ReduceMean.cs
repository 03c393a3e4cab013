using ILGPU;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// ONNX ReduceMean over a set of axes: y (the reduced axes kept as size 1) is the mean of x over
/// them, and dX = dY spread evenly, each element of x getting dY / count of its output element.
/// layout: x's dims (rank), x's strides (rank), 1 for each reduced axis else 0 (rank); count: the
/// number of elements each mean is over (the product of the reduced dims).
/// </summary>
public static class ReduceMean
{
    /// <summary>y[o] = (1/count) Σ over the reduced axes of x. Items: elements of y.</summary>
    public static void Forward(Index1D t, WorkSplit s, ArrayView<float> x, ArrayView<float> y, ArrayView<int> layout, int rank, int count)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int i = s.Item(t, j);
            if (i >= s.Count) return;
            int rest = i, origin = 0;
            for (int d = rank - 1; d >= 0; d--)
            {
                if (layout[2 * rank + d] != 0) continue;
                origin += rest % layout[d] * layout[rank + d];
                rest /= layout[d];
            }
            float sum = 0f;
            for (int k = 0; k < count; k++)
            {
                int r = k, offset = 0;
                for (int d = rank - 1; d >= 0; d--)
                {
                    if (layout[2 * rank + d] == 0) continue;
                    offset += r % layout[d] * layout[rank + d];
                    r /= layout[d];
                }
                sum += x[origin + offset];
            }
            y[i] = sum / count;
        }
    }

    /// <summary>dX[e] = dY[the output element e is averaged into] / count, overwritten. Items: elements of x.</summary>
    public static void Backward(Index1D t, WorkSplit s, ArrayView<float> dy, ArrayView<float> dx, ArrayView<int> layout, int rank, int count)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int e = s.Item(t, j);
            if (e >= s.Count) return;
            int rest = e, o = 0, stride = 1;
            for (int d = rank - 1; d >= 0; d--)
            {
                int dim = layout[d], c = rest % dim;
                rest /= dim;
                if (layout[2 * rank + d] != 0) continue;
                o += c * stride;
                stride *= dim;
            }
            dx[e] = dy[o] / count;
        }
    }
}
