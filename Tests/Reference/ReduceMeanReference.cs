namespace IlgpuBlindSpots.Tests.Reference;

/// <summary>Float64 reference of ONNX ReduceMean (keepdims layout: reduced axes of size 1).</summary>
public static class ReduceMeanReference
{
    public static double[] Mean(double[] x, int[] shape, int[] axes)
    {
        int rank = shape.Length;
        int[] outShape = shape.Select((d, i) => axes.Contains(i) ? 1 : d).ToArray();
        var y = new double[outShape.Aggregate(1, (a, b) => a * b)];
        int count = x.Length / y.Length;
        for (int e = 0; e < x.Length; e++)
        {
            int rest = e, o = 0, stride = 1;
            for (int d = rank - 1; d >= 0; d--)
            {
                int c = rest % shape[d];
                rest /= shape[d];
                if (axes.Contains(d)) continue;
                o += c * stride;
                stride *= shape[d];
            }
            y[o] += x[e] / count;
        }
        return y;
    }
}
