namespace IlgpuBlindSpots.Tests.Reference;

/// <summary>Float64 reference of ONNX LayerNormalization over the last <c>length</c> values of each row.</summary>
public static class LayerNormReference
{
    public static double[] Normalize(double[] x, double[] scale, double[] bias, int length, double epsilon)
    {
        var y = new double[x.Length];
        for (int start = 0; start < x.Length; start += length)
        {
            double mean = 0, variance = 0;
            for (int k = 0; k < length; k++) mean += x[start + k] / length;
            for (int k = 0; k < length; k++) variance += (x[start + k] - mean) * (x[start + k] - mean) / length;
            double inverse = 1 / Math.Sqrt(variance + epsilon);
            for (int k = 0; k < length; k++) y[start + k] = (x[start + k] - mean) * inverse * scale[k] + bias[k];
        }
        return y;
    }
}
