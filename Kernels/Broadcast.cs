using ILGPU;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// Element-wise binary ops with ONNX (NumPy) broadcasting: y = a op b for op 0 add, 1 subtract,
/// 2 multiply, 3 divide. Shapes are padded on the left to one rank R; <c>layout</c> holds, R ints
/// each: the output's dims, a's strides, b's strides (0 along a broadcast axis), a's dims and b's
/// dims (1 along a broadcast axis).
/// </summary>
public static class Broadcast
{
    /// <summary>y[i] = a[ia(i)] op b[ib(i)]. Items: elements of y.</summary>
    public static void Forward(Index1D t, WorkSplit s, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y,
        ArrayView<int> layout, int rank, int op)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int i = s.Item(t, j);
            if (i >= s.Count) return;
            int rest = i, ia = 0, ib = 0;
            for (int d = rank - 1; d >= 0; d--)
            {
                int c = rest % layout[d];
                rest /= layout[d];
                ia += c * layout[rank + d];
                ib += c * layout[2 * rank + d];
            }
            float p = a[ia], q = b[ib];
            y[i] = op == 0 ? p + q : op == 1 ? p - q : op == 2 ? p * q : p / q;
        }
    }

    /// <summary>
    /// The gradient of one operand (a when <c>ofA</c> is 1, else b): each of its elements sums the
    /// derivative of every output it fed (broadcast axes summed). Overwritten. Items: the operand's elements.
    /// </summary>
    public static void Backward(Index1D t, WorkSplit s, ArrayView<float> dy, ArrayView<float> a, ArrayView<float> b,
        ArrayView<float> dOperand, ArrayView<int> layout, int rank, int op, int ofA, int fanOut)
    {
        int dims = ofA != 0 ? 3 * rank : 4 * rank;
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int e = s.Item(t, j);
            if (e >= s.Count) return;
            float sum = 0f;
            for (int k = 0; k < fanOut; k++)
            {
                int restE = e, restK = k, io = 0, ia = 0, ib = 0, stride = 1;
                for (int d = rank - 1; d >= 0; d--)
                {
                    int own = layout[dims + d], outDim = layout[d];
                    int c = restE % own;
                    restE /= own;
                    if (own == 1 && outDim > 1)
                    {
                        c = restK % outDim;
                        restK /= outDim;
                    }
                    io += c * stride;
                    stride *= outDim;
                    ia += c * layout[rank + d];
                    ib += c * layout[2 * rank + d];
                }
                float g = dy[io];
                if (op == 1 && ofA == 0) sum -= g;
                else if (op == 2) sum += g * (ofA != 0 ? b[ib] : a[ia]);
                else if (op == 3) sum += ofA != 0 ? g / b[ib] : -g * a[ia] / (b[ib] * b[ib]);
                else sum += g;
            }
            dOperand[e] = sum;
        }
    }
}
