using ILGPU;
using ILGPU.Runtime;

namespace IlgpuBlindSpots.Optimizer.Units;

/// <summary>
/// How alike the images of a group are in activation space: the mean cosine similarity over all
/// pairs of their activation vectors φ(x), by <see cref="Similarity.PairwiseCosine"/> on the device.
/// Only the k(k − 1)/2 cosines per group are read back.
/// </summary>
/// <remarks>
/// Activations after a sigmoid or a ReLU are never negative, so any two images already have a large
/// plain cosine (about 0.86 for random MNIST digits after fc100-100-10's sigmoids). The centred cosine,
/// taken about the mean activation of the whole set, removes that shared part: 0 is then what
/// unrelated images give, and the measure spreads over [−1, 1].
/// </remarks>
internal static class GroupSimilarity
{
    /// <summary>
    /// For groups [G, k] of row numbers of <paramref name="activations"/> [N, units], each group's
    /// mean pairwise cosine similarity about <paramref name="center"/> ([units]; null: about the
    /// origin, the plain cosine). A vector of zeros counts as similarity 0 with anything.
    /// </summary>
    public static double[] MeanPairwiseCosine(Tensor activations, int[] groups, int k, Tensor? center = null)
    {
        ArgumentNullException.ThrowIfNull(activations);
        ArgumentNullException.ThrowIfNull(groups);
        if (k < 2) throw new BlindSpotsException($"pairwise similarity needs groups of at least 2 images, not {k}");
        if (groups.Length % k != 0) throw new ArgumentException($"{groups.Length} row numbers do not make groups of {k}");
        int n = activations.Batch, units = activations.RowLength;
        if (center != null && center.Length != units)
            throw new ArgumentException($"a centre of {center.Length} values for activations of {units}");
        foreach (int r in groups)
            if ((uint)r >= (uint)n) throw new ArgumentOutOfRangeException(nameof(groups), r, $"row numbers must be in [0, {n})");
        int count = groups.Length / k, pairs = k * (k - 1) / 2;
        if (count == 0) return [];
        var device = activations.Device;
        var cosine = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<double>, int, int>(Similarity.PairwiseCosine);
        using var origin = center == null ? Tensor.Zeros(device, units) : null;
        using var onDevice = device.Accelerator.Allocate1D(groups);
        using var cosines = device.Accelerator.Allocate1D<double>((long)count * pairs);
        var s = device.Split(count * pairs);
        cosine(s.Threads, s, activations.View, (center ?? origin!).View, onDevice.View, cosines.View, units, k);
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

    /// <summary>
    /// The mean activation vector of the set, [units]: column sums on the device
    /// (<see cref="Dense.BackwardBias"/> sums a [N, units] matrix over its rows), divided by N.
    /// </summary>
    public static Tensor MeanActivation(Tensor activations)
    {
        ArgumentNullException.ThrowIfNull(activations);
        var device = activations.Device;
        int n = activations.Batch, units = activations.RowLength;
        var columnSums = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, int, int, float>(Dense.BackwardBias);
        var mean = Tensor.Zeros(device, units); // zeros: beta 0 still multiplies what is there
        var s = device.Split(units);
        columnSums(s.Threads, s, activations.View, mean.View, n, units, 0f);
        // Reading units values back to divide them costs less than a kernel launch would save.
        var sums = mean.ToArray();
        for (int i = 0; i < units; i++) sums[i] = (float)(sums[i] / (double)n);
        mean.CopyFrom(sums);
        return mean;
    }
}
