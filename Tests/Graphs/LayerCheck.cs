using IlgpuBlindSpots.Network.Layers;

namespace IlgpuBlindSpots.Tests.Graphs;

/// <summary>
/// Checks a layer against a float64 reference: the forward pass against the reference, and the
/// backward pass (input and parameter gradients) against finite differences of the reference's
/// loss Σ g⊙f(x) for a random output gradient g.
/// </summary>
internal static class LayerCheck
{
    /// <summary>A one-input layer on a batch of shape <paramref name="shape"/>; reference(x, parameters) gives the output.</summary>
    public static void One(ILayer layer, int[] shape, Func<double[], double[][], double[]> reference, string what, int seed = 1, float lo = -1f, float hi = 1f)
    {
        var device = TestDevice.Current;
        float[] x = Rand.Uniform(seed, shape.Aggregate(1, (a, b) => a * b), lo, hi);
        var p = layer.Parameters.Select((q, i) => Rand.Uniform(seed + 10 + i, q.Value.Length, 0.5f, 1.5f)).ToArray();
        for (int i = 0; i < p.Length; i++) layer.Parameters[i].Value.CopyFrom(p[i]);
        using var input = Tensor.FromArray(device, x, shape);
        double[] xd = D(x);
        double[][] pd = p.Select(D).ToArray();
        var expected = reference(xd, pd);
        Compare.Close(expected, layer.Forward(input, training: false).ToArray(), 1e-4, 1e-5, $"{what} forward");
        float[] g = Rand.Uniform(seed + 5, expected.Length);
        foreach (var q in layer.Parameters) q.Gradient.Zero();
        using var dy = Tensor.FromArray(device, g, layer.Forward(input, training: false).Shape.ToArray());
        float[] dx = layer.Backward(dy, parameterGradients: true).ToArray();
        double Loss() => Dot(reference(xd, pd), D(g));
        Compare.Close(FiniteDifferences.Gradient(xd, Loss), dx, 1e-3, 1e-4, $"{what} dX vs finite differences");
        for (int i = 0; i < pd.Length; i++)
            Compare.Close(FiniteDifferences.Gradient(pd[i], Loss), layer.Parameters[i].Gradient.ToArray(), 1e-3, 1e-4, $"{what} d{layer.Parameters[i].Name} vs finite differences");
    }

    /// <summary>A several-input layer on inputs of the given shapes; reference(inputs) gives the output.</summary>
    public static void Many(IMergeLayer layer, int[][] shapes, Func<double[][], double[]> reference, string what, int seed = 1)
    {
        var device = TestDevice.Current;
        var xs = shapes.Select((s, i) => Rand.Uniform(seed + i, s.Aggregate(1, (a, b) => a * b), 0.5f, 1.5f)).ToArray();
        var inputs = xs.Select((x, i) => Tensor.FromArray(device, x, shapes[i])).ToList();
        try
        {
            var xd = xs.Select(D).ToArray();
            var expected = reference(xd);
            var y = layer.Forward(inputs);
            Compare.Close(expected, y.ToArray(), 1e-4, 1e-5, $"{what} forward");
            float[] g = Rand.Uniform(seed + 7, expected.Length);
            using var dy = Tensor.FromArray(device, g, y.Shape.ToArray());
            var grads = layer.Backward(dy);
            double Loss() => Dot(reference(xd), D(g));
            for (int i = 0; i < xs.Length; i++)
                Compare.Close(FiniteDifferences.Gradient(xd[i], Loss), grads[i].ToArray(), 1e-3, 1e-4, $"{what} d(input {i}) vs finite differences");
        }
        finally
        {
            foreach (var t in inputs) t.Dispose();
        }
    }

    public static double[] D(float[] a) => Array.ConvertAll(a, v => (double)v);

    public static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }
}
