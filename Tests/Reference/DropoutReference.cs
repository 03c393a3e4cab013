namespace IlgpuBlindSpots.Tests.Reference;

/// <summary>
/// Inverted dropout in float64. The uniform numbers are the kernels' own counter-based hash
/// (<see cref="Dropout.Uniform"/>), so the mask is known exactly; the hash's statistics are tested
/// separately.
/// </summary>
internal static class DropoutReference
{
    /// <summary>The mask as the forward kernel defines it: 1/(1 − p) where kept, 0 where dropped.</summary>
    public static double[] Mask(int length, double p, int seed, int step)
    {
        var mask = new double[length];
        for (int i = 0; i < length; i++)
            mask[i] = Dropout.Uniform(seed, step, i) >= p ? 1.0 / (1.0 - p) : 0.0;
        return mask;
    }

    /// <summary>y = x·mask: linear in x for a fixed mask.</summary>
    public static double[] Forward(double[] x, double[] mask) => x.Select((v, i) => v * mask[i]).ToArray();

    public static double[] Backward(float[] dy, double[] mask) => dy.Select((v, i) => v * mask[i]).ToArray();
}
