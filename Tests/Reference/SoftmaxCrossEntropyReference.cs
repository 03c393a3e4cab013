namespace IlgpuBlindSpots.Tests.Reference;

/// <summary>Softmax and the cross-entropy of integer labels, in plain float64. logits [B, K], labels [B].</summary>
internal static class SoftmaxCrossEntropyReference
{
    public static double[] Softmax(double[] z, int batch, int classes)
    {
        var p = new double[batch * classes];
        for (int b = 0; b < batch; b++)
        {
            int row = b * classes;
            double max = double.NegativeInfinity;
            for (int k = 0; k < classes; k++) max = Math.Max(max, z[row + k]);
            double sum = 0;
            for (int k = 0; k < classes; k++) sum += Math.Exp(z[row + k] - max);
            for (int k = 0; k < classes; k++) p[row + k] = Math.Exp(z[row + k] - max) / sum;
        }
        return p;
    }

    /// <summary>loss[b] = logsumexp(z[b]) − z[b, label[b]].</summary>
    public static double[] Loss(double[] z, int[] labels, int batch, int classes)
    {
        var loss = new double[batch];
        for (int b = 0; b < batch; b++)
        {
            int row = b * classes;
            double max = double.NegativeInfinity;
            for (int k = 0; k < classes; k++) max = Math.Max(max, z[row + k]);
            double sum = 0;
            for (int k = 0; k < classes; k++) sum += Math.Exp(z[row + k] - max);
            loss[b] = max + Math.Log(sum) - z[row + labels[b]];
        }
        return loss;
    }

    /// <summary>d(scale·Σ_b loss[b])/dz = scale·(softmax − onehot).</summary>
    public static double[] Gradient(double[] z, int[] labels, int batch, int classes, double scale)
    {
        var g = Softmax(z, batch, classes);
        for (int b = 0; b < batch; b++) g[b * classes + labels[b]] -= 1.0;
        for (int i = 0; i < g.Length; i++) g[i] *= scale;
        return g;
    }
}
