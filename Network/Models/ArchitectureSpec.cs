using System.Globalization;
using System.Text.RegularExpressions;
using IlgpuBlindSpots.Network.Layers;

namespace IlgpuBlindSpots.Network.Models;

/// <summary>
/// The short architecture spec a sequential model is built from, e.g.
/// <c>fc:100,sigmoid,fc:100,sigmoid,fc:10</c> or
/// <c>conv:32x5x5p2,relu,maxpool:2,conv:64x5x5p2,relu,maxpool:2,fc:1024,relu,fc:10</c>.
/// </summary>
/// <remarks>
/// Grammar (layers separated by commas, case-insensitive, spaces ignored):
/// <code>
/// fc:N                         Linear to N outputs; flattens an image input
/// conv:OxKHxKW[sS][pP]         Conv2d, O filters of KH×KW, stride S (default 1), zero padding P (default 0)
/// maxpool:K[xK2][sS][pP]       MaxPool2d, window K×K2 (K2 defaults to K), stride S (defaults to the window), padding P
/// relu | sigmoid | tanh        activations
/// dropout:P                    Dropout with drop probability 0 ≤ P &lt; 1 (identity in evaluation)
/// norm:M[;M…]/S[;S…]           fixed input normalisation (x − M)/S, one value for every channel or one per
///                              channel (torchvision's Normalize; no parameters: the spec holds the constants)
/// </code>
/// The layers' PyTorch module indices count every layer of the spec plus one implicit Flatten
/// before the first fc that follows an image-shaped input, as an <c>nn.Sequential</c> with an
/// explicit <c>nn.Flatten()</c> would.
/// </remarks>
public sealed class ArchitectureSpec
{
    private static readonly Regex Fc = new(@"^fc:(\d+)$", RegexOptions.CultureInvariant);
    private static readonly Regex Conv = new(@"^conv:(\d+)x(\d+)x(\d+)(?:s(\d+))?(?:p(\d+))?$", RegexOptions.CultureInvariant);
    private static readonly Regex Pool = new(@"^maxpool:(\d+)(?:x(\d+))?(?:[s/](\d+))?(?:p(\d+))?$", RegexOptions.CultureInvariant);
    private static readonly Regex Drop = new(@"^dropout:([0-9.eE+-]+)$", RegexOptions.CultureInvariant);
    private static readonly Regex Norm = new(@"^norm:([0-9.e+;-]+)/([0-9.e+;-]+)$", RegexOptions.CultureInvariant);

    private ArchitectureSpec(IReadOnlyList<LayerSpec> layers) => Layers = layers;

    /// <summary>The layers in model order; the last is always an <see cref="FcSpec"/>.</summary>
    public IReadOnlyList<LayerSpec> Layers { get; }

    /// <summary>Parses a spec; every problem is a <see cref="BlindSpotsException"/> naming the offending layer.</summary>
    public static ArchitectureSpec Parse(string spec)
    {
        if (string.IsNullOrWhiteSpace(spec))
            throw new BlindSpotsException("architecture spec is empty; expected e.g. fc:100,sigmoid,fc:10");
        var layers = new List<LayerSpec>();
        foreach (string raw in spec.Split(','))
        {
            string item = raw.Replace(" ", "").ToLowerInvariant();
            layers.Add(ParseLayer(item, layers.Count + 1));
        }
        return FromLayers(layers);
    }

    /// <summary>A spec of already-built layer specs (a model importer's); the same rules as <see cref="Parse"/>.</summary>
    public static ArchitectureSpec FromLayers(IReadOnlyList<LayerSpec> layers)
    {
        if (layers.Count == 0 || layers[^1] is not FcSpec)
            throw new BlindSpotsException($"architecture spec '{string.Join(",", layers)}': must end with an fc layer giving the class logits");
        return new ArchitectureSpec(layers.ToList());
    }

    /// <summary>The spec in its canonical written form, which <see cref="Parse"/> reads back to an equal spec.</summary>
    public override string ToString() => string.Join(",", Layers.Select(l => l.ToString()));

    private static LayerSpec ParseLayer(string item, int position)
    {
        Match m;
        if ((m = Fc.Match(item)).Success)
            return new FcSpec(Positive(m.Groups[1], item, "output size"));
        if ((m = Conv.Match(item)).Success)
            return new ConvSpec(
                Positive(m.Groups[1], item, "filter count"), Positive(m.Groups[2], item, "kernel height"),
                Positive(m.Groups[3], item, "kernel width"),
                m.Groups[4].Success ? Positive(m.Groups[4], item, "stride") : 1,
                m.Groups[5].Success ? NonNegative(m.Groups[5], item, "padding") : 0);
        if ((m = Pool.Match(item)).Success)
        {
            int kh = Positive(m.Groups[1], item, "window");
            int kw = m.Groups[2].Success ? Positive(m.Groups[2], item, "window width") : kh;
            int stride = m.Groups[3].Success ? Positive(m.Groups[3], item, "stride") : kh;
            int pad = m.Groups[4].Success ? NonNegative(m.Groups[4], item, "padding") : 0;
            if (2 * pad > Math.Min(kh, kw))
                throw new BlindSpotsException($"layer {position} '{item}': padding may be at most half the window");
            return new MaxPoolSpec(kh, kw, stride, pad);
        }
        if ((m = Drop.Match(item)).Success)
        {
            if (!double.TryParse(m.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double p) || !(p >= 0 && p < 1))
                throw new BlindSpotsException($"layer {position} '{item}': dropout probability must be in [0, 1)");
            return new DropoutSpec((float)p);
        }
        if ((m = Norm.Match(item)).Success)
        {
            float[] means = Floats(m.Groups[1].Value, item, "mean"), stds = Floats(m.Groups[2].Value, item, "std");
            if (means.Length != stds.Length)
                throw new BlindSpotsException($"layer {position} '{item}': needs as many stds as means, got {means.Length} and {stds.Length}");
            if (stds.Any(v => v == 0f))
                throw new BlindSpotsException($"layer {position} '{item}': a std of 0 divides by zero");
            return new NormalizeSpec(means, stds);
        }
        return item switch
        {
            "relu" => new ActivationSpec(ActivationKind.Relu),
            "sigmoid" => new ActivationSpec(ActivationKind.Sigmoid),
            "tanh" => new ActivationSpec(ActivationKind.Tanh),
            _ => throw new BlindSpotsException(
                $"layer {position} '{item}' is not a known layer; expected fc:N, conv:OxKHxKW[sS][pP], maxpool:K[xK][sS][pP], relu, sigmoid, tanh, dropout:P or norm:MEAN/STD"),
        };
    }

    private static int Positive(Group g, string item, string what)
    {
        if (!int.TryParse(g.Value, NumberStyles.None, CultureInfo.InvariantCulture, out int v) || v <= 0)
            throw new BlindSpotsException($"layer '{item}': {what} must be a positive integer, got '{g.Value}'");
        return v;
    }

    private static float[] Floats(string list, string item, string what) => list.Split(';').Select(v =>
        float.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out float f) && float.IsFinite(f)
            ? f
            : throw new BlindSpotsException($"layer '{item}': {what} '{v}' is not a finite number")).ToArray();

    private static int NonNegative(Group g, string item, string what)
    {
        if (!int.TryParse(g.Value, NumberStyles.None, CultureInfo.InvariantCulture, out int v) || v < 0)
            throw new BlindSpotsException($"layer '{item}': {what} must be a non-negative integer, got '{g.Value}'");
        return v;
    }
}

/// <summary>One layer of an <see cref="ArchitectureSpec"/>.</summary>
public abstract record LayerSpec;

/// <summary>A fully connected layer, PyTorch <c>Linear</c>: <c>fc:N</c>.</summary>
/// <param name="Outputs">N: outputs per example.</param>
public sealed record FcSpec(int Outputs) : LayerSpec
{
    /// <summary>The layer as the spec writes it.</summary>
    public override string ToString() => $"fc:{Outputs}";
}

/// <summary>A 2-D convolution, PyTorch <c>Conv2d</c>: <c>conv:OxKHxKW[sS][pP]</c>.</summary>
/// <param name="Filters">O: filters, the output's channels.</param>
/// <param name="KernelHeight">KH: filter height.</param>
/// <param name="KernelWidth">KW: filter width.</param>
/// <param name="Stride">S: step between output positions (default 1).</param>
/// <param name="Padding">P: zeros added on every side (default 0).</param>
public sealed record ConvSpec(int Filters, int KernelHeight, int KernelWidth, int Stride, int Padding) : LayerSpec
{
    /// <summary>The layer as the spec writes it.</summary>
    public override string ToString() =>
        $"conv:{Filters}x{KernelHeight}x{KernelWidth}" + (Stride != 1 ? $"s{Stride}" : "") + (Padding != 0 ? $"p{Padding}" : "");
}

/// <summary>Max-pooling, PyTorch <c>MaxPool2d</c>: <c>maxpool:K[xK2][sS][pP]</c>.</summary>
/// <param name="WindowHeight">K: window height.</param>
/// <param name="WindowWidth">K2: window width (defaults to K).</param>
/// <param name="Stride">S: step between windows (defaults to the window height).</param>
/// <param name="Padding">P: padding on every side (default 0).</param>
public sealed record MaxPoolSpec(int WindowHeight, int WindowWidth, int Stride, int Padding) : LayerSpec
{
    /// <summary>The layer as the spec writes it.</summary>
    public override string ToString() =>
        $"maxpool:{WindowHeight}" + (WindowWidth != WindowHeight ? $"x{WindowWidth}" : "") +
        (Stride != WindowHeight ? $"s{Stride}" : "") + (Padding != 0 ? $"p{Padding}" : "");
}

/// <summary>An element-wise activation: <c>relu</c>, <c>sigmoid</c> or <c>tanh</c>.</summary>
/// <param name="Kind">Which function.</param>
public sealed record ActivationSpec(ActivationKind Kind) : LayerSpec
{
    /// <summary>The layer as the spec writes it.</summary>
    public override string ToString() => Kind.ToString().ToLowerInvariant();
}

/// <summary>Dropout, the identity in evaluation: <c>dropout:P</c>.</summary>
/// <param name="Probability">P: the drop probability in training, 0 ≤ P &lt; 1.</param>
public sealed record DropoutSpec(float Probability) : LayerSpec
{
    /// <summary>The layer as the spec writes it.</summary>
    public override string ToString() => $"dropout:{Probability.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>Fixed input normalisation (x − mean)/std; one value each, or one per channel: <c>norm:M[;M…]/S[;S…]</c>.</summary>
/// <param name="Means">The means subtracted: one for every channel, or one per channel.</param>
/// <param name="Stds">The divisors, as many as <paramref name="Means"/>.</param>
public sealed record NormalizeSpec(IReadOnlyList<float> Means, IReadOnlyList<float> Stds) : LayerSpec
{
    /// <summary>The layer as the spec writes it.</summary>
    public override string ToString() => NormalizeLayer.Format(Means, Stds);

    /// <summary>Equal when the means and stds are equal element by element (the lists, not their references).</summary>
    public bool Equals(NormalizeSpec? other) =>
        other is not null && Means.SequenceEqual(other.Means) && Stds.SequenceEqual(other.Stds);

    /// <summary>A hash consistent with <see cref="Equals(NormalizeSpec?)"/>.</summary>
    public override int GetHashCode() => HashCode.Combine(Means.Count, Means.FirstOrDefault(), Stds.FirstOrDefault());
}
