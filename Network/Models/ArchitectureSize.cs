namespace IlgpuBlindSpots.Network.Models;

/// <summary>
/// The sizes an architecture implies for an input shape, worked out from the spec alone before
/// anything is allocated: every layer's output shape and the parameter count. A model file states
/// its architecture and input in a few bytes of metadata, so these are the numbers a reader checks
/// against the bytes really present before it builds anything. The limits (documented in
/// docs/file-formats.md) keep a declared shape from asking for memory no input could fill.
/// </summary>
public static class ArchitectureSize
{
    /// <summary>The largest input height or width, as for PNG inputs.</summary>
    public const int MaxSide = 8192;

    /// <summary>The most channels of an input.</summary>
    public const int MaxChannels = 4096;

    /// <summary>The most values one example may have at any layer's input or output (256 MiB of float32).</summary>
    public const long MaxActivation = 1L << 26;

    /// <summary>
    /// The number of parameters (weights and biases) <paramref name="spec"/> has on inputs of
    /// <paramref name="inputShape"/> (C, H, W).
    /// </summary>
    /// <exception cref="BlindSpotsException">The input or a layer's output exceeds the limits, a layer does not fit what comes before it, or a parameter tensor is too large for one array.</exception>
    public static long ParameterCount(ArchitectureSpec spec, int[] inputShape)
    {
        CheckInput(inputShape);
        long parameters = 0;
        long[] shape = inputShape.Select(d => (long)d).ToArray();
        foreach (var layer in spec.Layers)
        {
            var (output, count) = Apply(layer, shape);
            parameters += count;
            long values = output.Aggregate(1L, (a, b) => a * b);
            if (values > MaxActivation)
                throw new BlindSpotsException($"layer '{layer}' would output {string.Join("×", output)} values per example, more than the {MaxActivation} allowed");
            shape = output;
        }
        return parameters;
    }

    /// <summary>Checks an input shape against the limits: three positive sizes, at most <see cref="MaxChannels"/> × <see cref="MaxSide"/> × <see cref="MaxSide"/> and <see cref="MaxActivation"/> values.</summary>
    public static void CheckInput(int[] inputShape)
    {
        if (inputShape.Length != 3 || inputShape.Any(d => d <= 0))
            throw new BlindSpotsException($"model input shape must be C×H×W with positive sizes, got {Network.Tensor.Format(inputShape)}");
        if (inputShape[0] > MaxChannels || inputShape[1] > MaxSide || inputShape[2] > MaxSide
            || (long)inputShape[0] * inputShape[1] * inputShape[2] > MaxActivation)
            throw new BlindSpotsException(
                $"model input {string.Join("×", inputShape)} is beyond the limits of {MaxChannels} channels, {MaxSide} pixels a side and {MaxActivation} values");
    }

    /// <summary>One layer's output shape and parameter count for an input of <paramref name="shape"/>.</summary>
    private static (long[] Output, long Parameters) Apply(LayerSpec layer, long[] shape)
    {
        switch (layer)
        {
            case FcSpec fc:
                long inputs = shape.Aggregate(1L, (a, b) => a * b);
                return ([fc.Outputs], WeightValues(layer, inputs * fc.Outputs) + fc.Outputs);
            case ConvSpec c:
                var (h, w) = Window(layer, shape, c.KernelHeight, c.KernelWidth, c.Stride, c.Padding);
                return ([c.Filters, h, w], WeightValues(layer, (long)c.Filters * shape[0] * c.KernelHeight * c.KernelWidth) + c.Filters);
            case MaxPoolSpec m:
                var (ph, pw) = Window(layer, shape, m.WindowHeight, m.WindowWidth, m.Stride, m.Padding);
                return ([shape[0], ph, pw], 0);
            default:
                return (shape, 0);
        }
    }

    private static (long Height, long Width) Window(LayerSpec layer, long[] shape, int kh, int kw, int stride, int padding)
    {
        if (shape.Length != 3)
            throw new BlindSpotsException($"layer '{layer}' needs an image input C×H×W, got {string.Join("×", shape)}");
        if (shape[1] + 2L * padding < kh || shape[2] + 2L * padding < kw)
            throw new BlindSpotsException($"layer '{layer}': a {kh}×{kw} window does not fit a {shape[1]}×{shape[2]} input padded by {padding}");
        return ((shape[1] + 2L * padding - kh) / stride + 1, (shape[2] + 2L * padding - kw) / stride + 1);
    }

    private static long WeightValues(LayerSpec layer, long values) =>
        values <= Array.MaxLength ? values
            : throw new BlindSpotsException($"layer '{layer}' would need a weight tensor of {values} values, more than one array holds");
}
