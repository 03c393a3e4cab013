namespace IlgpuBlindSpots.Tests.Reference;

/// <summary>Float64 textbook forms of the training updates (Adam with explicit bias correction).</summary>
internal static class ParameterUpdateReference
{
    public static (double[] W, double[] V) SgdMomentum(float[] w, float[] g, float[] v, double lr, double mu)
    {
        var nw = new double[w.Length];
        var nv = new double[w.Length];
        for (int i = 0; i < w.Length; i++)
        {
            nv[i] = mu * v[i] + g[i];
            nw[i] = w[i] - lr * nv[i];
        }
        return (nw, nv);
    }

    public static (double[] W, double[] M, double[] V) Adam(float[] w, float[] g, float[] m, float[] v,
        double lr, double b1, double b2, double eps, int step)
    {
        int n = w.Length;
        var nw = new double[n];
        var nm = new double[n];
        var nv = new double[n];
        for (int i = 0; i < n; i++)
        {
            nm[i] = b1 * m[i] + (1 - b1) * g[i];
            nv[i] = b2 * v[i] + (1 - b2) * (double)g[i] * g[i];
            double mHat = nm[i] / (1 - Math.Pow(b1, step));
            double vHat = nv[i] / (1 - Math.Pow(b2, step));
            nw[i] = w[i] - lr * mHat / (Math.Sqrt(vHat) + eps);
        }
        return (nw, nm, nv);
    }
}
