using ILGPU;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// L2 weight decay. Convention: the training objective is the mean minibatch loss plus
/// λ/2·|w|², so its gradient is the mean-loss gradient plus λ·w (λ as PyTorch's SGD
/// <c>weight_decay</c> takes it). Applied after backward has written the mean-loss gradient of a
/// parameter tensor; which tensors decay (usually weights, not biases) is the layer's choice.
/// </summary>
public static class WeightDecay
{
    /// <summary>
    /// grad[i] += λ·w[i] for every element, and, in the same pass, partials[t] = Σ w[i]² over
    /// thread t's items in float64: stage one of the penalty. Stage two is
    /// <see cref="VectorOps.FinishSum"/> over <c>s.Threads</c> partials with scale λ/2, accumulating
    /// across tensors to give the total penalty λ/2·Σ|w|². partials needs <c>s.Threads</c> entries;
    /// as for any two-stage sum, use a split of at most a few thousand threads. Items: elements.
    /// </summary>
    public static void AddGradient(Index1D t, WorkSplit s,
        ArrayView<float> w, ArrayView<float> grad, ArrayView<double> partials, float lambda)
    {
        double sum = 0.0;
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int i = s.Item(t, j);
            if (i >= s.Count) break;
            float v = w[i];
            grad[i] += lambda * v;
            sum += (double)v * v;
        }
        partials[t] = sum;
    }
}
