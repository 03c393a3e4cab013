using IlgpuBlindSpots.Network.Layers;

namespace IlgpuBlindSpots.Optimizer.Analysis;

/// <summary>
/// The L2 Lipschitz constant of max-pooling: √m, where m is the largest number of pooling windows
/// that share one input element. It is 1 only when windows do not overlap (stride ≥ window).
/// </summary>
/// <remarks>
/// <para><b>Upper bound.</b> Each output is the max over its window W_j (PyTorch pads with −∞ and
/// keeps padding ≤ half the window, so every window holds a real input), and a max moves no more
/// than its largest input: |y_j(x) − y_j(x′)| ≤ max_{i∈W_j} |x_i − x′_i|. Squaring and summing,
/// ‖y − y′‖² ≤ Σ_j Σ_{i∈W_j} (x_i − x′_i)² = Σ_i m_i·(x_i − x′_i)² ≤ m·‖x − x′‖², with m_i the
/// number of windows holding input i and m = max_i m_i.</para>
/// <para><b>Attained.</b> Take x with x_i = 1 at an input i of m windows and 0 elsewhere, and
/// x′ = x + ε·e_i: i is the unique maximum of each of its m windows, so m outputs move by ε and
/// ‖y − y′‖ = √m·ε. So √m is the exact constant, not just a bound.</para>
/// <para><b>Counting.</b> Windows are K×K′ rectangles on a stride grid, so m_(i,j) = m_i·m_j factors
/// into one count per axis and m is the product of the per-axis maxima. Along an axis of n inputs,
/// output o covers o·S − P … o·S − P + K − 1, so input i lies in the windows
/// o ∈ [⌈(i + P − K + 1)/S⌉, ⌊(i + P)/S⌋] ∩ [0, OH − 1], at most ⌈K/S⌉ of them. For AlexNet's
/// 3×3 windows at stride 2 that is 2 per axis and √(2·2) = 2, not the 1 the paper takes for
/// max-pooling.</para>
/// </remarks>
public static class MaxPoolBound
{
    /// <summary>√(m_H·m_W) for a max-pooling layer.</summary>
    public static double Of(MaxPoolLayer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return Math.Sqrt((double)WindowsPerInput(layer.InHeight, layer.WindowHeight, layer.Stride, layer.Padding) *
                         WindowsPerInput(layer.InWidth, layer.WindowWidth, layer.Stride, layer.Padding));
    }

    /// <summary>
    /// The most windows any of the <paramref name="size"/> inputs of one axis falls in, for windows of
    /// <paramref name="window"/> at <paramref name="stride"/> with <paramref name="padding"/> on both
    /// sides (PyTorch's floor mode: (size + 2·padding − window)/stride + 1 windows).
    /// </summary>
    public static int WindowsPerInput(int size, int window, int stride, int padding)
    {
        if (size < 1 || window < 1 || stride < 1 || padding < 0 || size + 2 * padding < window)
            throw new ArgumentOutOfRangeException(nameof(size),
                $"no pooling of {size} inputs with window {window}, stride {stride}, padding {padding}");
        int outputs = (size + 2 * padding - window) / stride + 1;
        int most = 0;
        for (int i = 0; i < size; i++)
        {
            int first = Math.Max(0, CeilDiv(i + padding - window + 1, stride));
            int last = Math.Min(outputs - 1, FloorDiv(i + padding, stride));
            most = Math.Max(most, last - first + 1);
        }
        return most;
    }

    private static int FloorDiv(int a, int b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    private static int CeilDiv(int a, int b) => -FloorDiv(-a, b);
}
