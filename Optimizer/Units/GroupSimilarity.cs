using ILGPU;
using ILGPU.Runtime;
using IlgpuBlindSpots.Kernels;
using IlgpuBlindSpots.Network;

namespace IlgpuBlindSpots.Optimizer.Units;

/// <summary>
/// How alike the images of a group are in activation space: the mean cosine similarity over all
/// pairs of their activation vectors φ(x), by <see cref="Similarity.PairwiseCosine"/> on the device.
/// Only the k(k − 1)/2 cosines per group are read back.
/// </summary>
public static class GroupSimilarity
{
    /// <summary>
    /// For groups [G, k] of row numbers of <paramref name="activations"/> [N, units], each group's
    /// mean pairwise cosine similarity (a row of zeros counts as similarity 0 with anything).
    /// </summary>
    public static double[] MeanPairwiseCosine(Tensor activations, int[] groups, int k)
    {
        ArgumentNullException.ThrowIfNull(activations);
        ArgumentNullException.ThrowIfNull(groups);
        if (k < 2) throw new BlindSpotsException($"pairwise similarity needs groups of at least 2 images, not {k}");
        if (groups.Length % k != 0) throw new ArgumentException($"{groups.Length} row numbers do not make groups of {k}");
        int n = activations.Batch;
        foreach (int r in groups)
            if ((uint)r >= (uint)n) throw new ArgumentOutOfRangeException(nameof(groups), r, $"row numbers must be in [0, {n})");
        int count = groups.Length / k, pairs = k * (k - 1) / 2;
        if (count == 0) return [];
        var device = activations.Device;
        var cosine = device.Kernels.Load<WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<double>, int, int>(Similarity.PairwiseCosine);
        using var onDevice = device.Accelerator.Allocate1D(groups);
        using var cosines = device.Accelerator.Allocate1D<double>((long)count * pairs);
        var s = device.Split(count * pairs);
        cosine(s.Threads, s, activations.View, onDevice.View, cosines.View, activations.RowLength, k);
        double[] all = cosines.GetAsArray1D();
        var means = new double[count];
        for (int g = 0; g < count; g++)
        {
            double sum = 0;
            for (int p = 0; p < pairs; p++) sum += all[g * pairs + p];
            means[g] = sum / pairs;
        }
        return means;
    }
}
