using ILGPU;
using ILGPU.Runtime;
using IlgpuBlindSpots.Optimizer.Attacks;

namespace IlgpuBlindSpots.Optimizer.Transfer;

/// <summary>
/// The non-adversarial rows of the paper's transfer tables, made on the device from the clean inputs
/// (and, for amplification, the adversarial ones): rows of [count, n] values in [0, 1].
/// </summary>
public static class PerturbationSets
{
    /// <summary>
    /// The paper's "amplified" rows (its Table 4): every perturbation r = x′ − x of the set multiplied
    /// by one factor, chosen so that the set's mean distortion √(Σr²/n) becomes
    /// <paramref name="distortion"/>, then x + r clipped into [0, 1] (so the measured distortion can end
    /// a little below the target). One factor for the set, not one per example: rescaling each to the
    /// same size would shrink the larger ones, which is not amplifying them.
    /// </summary>
    public static float[] Amplify(ComputeDevice device, float[] originals, float[] adversarials, int n, double distortion)
    {
        if (originals.Length != adversarials.Length || n <= 0 || originals.Length % n != 0)
            throw new ArgumentException("originals and adversarials must both be [count, n]");
        if (!(distortion > 0 && double.IsFinite(distortion)))
            throw new BlindSpotsException($"amplification to distortion {distortion}: it must be a positive number");
        int count = originals.Length / n;
        if (count == 0) return [];
        var kernels = device.KernelCache;
        var scaledAddScalar = kernels.Load<WorkSplit, ArrayView<float>, ArrayView<float>, float, ArrayView<int>, int>(VectorOps.ScaledAddScalar);
        var scaledAdd = kernels.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<double>, float, ArrayView<int>, int>(VectorOps.ScaledAdd);
        var normL2 = kernels.Load<WorkSplit, ArrayView<float>, ArrayView<double>, ArrayView<int>, int>(VectorOps.NormL2);
        var clamp = kernels.Load<WorkSplit, ArrayView<float>, float, float, ArrayView<int>, int>(VectorOps.Clamp);
        var rows = device.Split(count);

        using var x = Tensor.FromArray(device, originals, count, n);
        using var r = Tensor.FromArray(device, adversarials, count, n);
        using var norms = device.Accelerator.Allocate1D<double>(count);
        scaledAddScalar(rows.Threads, rows, x.View, r.View, -1f, ArrayView<int>.Empty, n); // r = x′ − x
        normL2(rows.Threads, rows, r.View, norms.View, ArrayView<int>.Empty, n);
        // The set's mean distortion from one small read-back (count norms), then one factor for all rows.
        double mean = norms.GetAsArray1D().Average() / Math.Sqrt(n);
        var factor = new double[count];
        Array.Fill(factor, mean > 0 ? distortion / mean : 0);
        using var factors = device.Accelerator.Allocate1D(factor);
        scaledAdd(rows.Threads, rows, r.View, x.View, factors.View, 1f, ArrayView<int>.Empty, n); // x + s·r
        clamp(rows.Threads, rows, x.View, 0f, 1f, ArrayView<int>.Empty, n);
        return x.ToArray();
    }

    /// <summary>
    /// The paper's noise baselines: clip(x + N(0, σ²)ⁿ, 0, 1), drawn as <see cref="GaussianNoiseAttack"/>
    /// draws it (seeded by <paramref name="seed"/> and each input's position), so a row is reproducible.
    /// </summary>
    public static float[] GaussianNoise(float[] originals, int n, double standardDeviation, int seed)
    {
        if (!(standardDeviation >= 0 && double.IsFinite(standardDeviation)))
            throw new BlindSpotsException($"Gaussian noise standard deviation {standardDeviation}: it must be 0 or more");
        var noisy = new float[originals.Length];
        for (int p = 0; p < originals.Length / n; p++)
        {
            var rng = ExampleRandom.For(seed, p);
            for (int i = p * n; i < (p + 1) * n; i++)
                noisy[i] = (float)Math.Clamp(originals[i] + standardDeviation * ExampleRandom.StandardNormal(rng), 0.0, 1.0);
        }
        return noisy;
    }

    /// <summary>The mean over rows of √(Σ(x′ − x)²/n), in float64.</summary>
    public static double MeanDistortion(float[] originals, float[] perturbed, int n)
    {
        int count = originals.Length / n;
        if (count == 0) return double.NaN;
        double total = 0;
        for (int p = 0; p < count; p++)
            total += Distortions.Between(originals.AsSpan(p * n, n), perturbed.AsSpan(p * n, n)).Rms;
        return total / count;
    }
}
