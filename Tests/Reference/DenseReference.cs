namespace IlgpuBlindSpots.Tests.Reference;

/// <summary>Plain float64 dense layer, the definition the Dense kernels are held to. x [B,K], W [N,K], b [N].</summary>
internal static class DenseReference
{
    public static double[] Forward(float[] x, float[] w, float[] b, int batch, int k, int n)
    {
        var y = new double[batch * n];
        for (int i = 0; i < batch; i++)
            for (int o = 0; o < n; o++)
            {
                double s = b[o];
                for (int p = 0; p < k; p++) s += (double)x[i * k + p] * w[o * k + p];
                y[i * n + o] = s;
            }
        return y;
    }

    public static double[] BackwardInput(float[] dy, float[] w, int batch, int k, int n)
    {
        var dx = new double[batch * k];
        for (int i = 0; i < batch; i++)
            for (int p = 0; p < k; p++)
            {
                double s = 0;
                for (int o = 0; o < n; o++) s += (double)dy[i * n + o] * w[o * k + p];
                dx[i * k + p] = s;
            }
        return dx;
    }

    public static double[] BackwardWeights(float[] dy, float[] x, int batch, int k, int n)
    {
        var dw = new double[n * k];
        for (int o = 0; o < n; o++)
            for (int p = 0; p < k; p++)
            {
                double s = 0;
                for (int i = 0; i < batch; i++) s += (double)dy[i * n + o] * x[i * k + p];
                dw[o * k + p] = s;
            }
        return dw;
    }

    public static double[] BackwardBias(float[] dy, int batch, int n)
    {
        var db = new double[n];
        for (int i = 0; i < batch; i++)
            for (int o = 0; o < n; o++) db[o] += dy[i * n + o];
        return db;
    }
}
