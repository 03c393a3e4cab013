namespace IlgpuBlindSpots.Tests.Reference;

/// <summary>Float64 reference of ONNX Transpose: y's axis d is x's axis perm[d].</summary>
public static class TransposeReference
{
    public static double[] Transpose(double[] x, int[] shape, int[] perm)
    {
        int rank = shape.Length;
        var strides = new int[rank];
        for (int d = rank - 1, s = 1; d >= 0; s *= shape[d], d--) strides[d] = s;
        int[] outShape = perm.Select(p => shape[p]).ToArray();
        var y = new double[x.Length];
        var index = new int[rank];
        for (int i = 0; i < y.Length; i++)
        {
            int rest = i, source = 0;
            for (int d = rank - 1; d >= 0; d--)
            {
                index[d] = rest % outShape[d];
                rest /= outShape[d];
                source += index[d] * strides[perm[d]];
            }
            y[i] = x[source];
        }
        return y;
    }
}
