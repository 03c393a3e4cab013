using System.Globalization;
using IlgpuBlindSpots.Network.Layers;
using IlgpuBlindSpots.Network.Models;

namespace IlgpuBlindSpots.Optimizer.Units;

/// <summary>
/// The layer whose outputs φ(x) are analysed: its 1-based position in the model (the <c>#</c>
/// column of <c>blindspots stability</c>), its spec and its per-example output shape. A
/// convolution's or pooling layer's output is taken flattened, channel by channel.
/// </summary>
/// <param name="Position">1-based position: the output of layers 1..Position is analysed.</param>
/// <param name="Spec">The layer as the architecture spec writes it, e.g. <c>sigmoid</c>.</param>
/// <param name="Shape">Per-example output shape, e.g. [100] or [16, 7, 7].</param>
public sealed record UnitLayer(int Position, string Spec, IReadOnlyList<int> Shape)
{
    /// <summary>The <c>--layer</c> value that picks the last hidden activation, the default.</summary>
    public const string LastHidden = "hidden";

    /// <summary>Values per example: the units of the layer.</summary>
    public int Units => Shape.Aggregate(1, (a, b) => a * b);

    /// <summary>
    /// Resolves a layer choice: <see cref="LastHidden"/> (the output of the last ReLU, sigmoid or
    /// tanh before the output layer, the paper's φ), a 1-based position, or a layer spec such as
    /// <c>sigmoid</c> (the only layer so written) or <c>sigmoid@2</c> (the second one). The output
    /// layer is refused: its values are the logits, not a hidden representation.
    /// </summary>
    public static UnitLayer Resolve(SequentialModel model, string choice)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(choice);
        var layers = model.Layers;
        string text = choice.Trim();
        int hiddenLayers = layers.Count - 1;
        string hiddenRange = hiddenLayers == 1 ? "1" : $"1..{hiddenLayers}";
        int position;
        if (text.Equals(LastHidden, StringComparison.OrdinalIgnoreCase))
        {
            position = 0;
            for (int i = layers.Count - 2; i >= 0 && position == 0; i--)
                if (layers[i] is ActivationLayer) position = i + 1;
            if (position == 0)
                throw new BlindSpotsException(hiddenLayers == 0
                    ? $"--layer {choice}: {model.Architecture} has no hidden layer, so no activations to analyse"
                    : $"--layer {choice}: {model.Architecture} has no activation (relu, sigmoid, tanh) before its output layer; give a layer position {hiddenRange}");
        }
        else if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out position))
        {
            if (position < 1 || position > layers.Count)
                throw new BlindSpotsException($"--layer {choice}: there is no such layer; {model.Architecture} has layers 1..{layers.Count}");
        }
        else
            position = BySpec(model, choice, text);

        if (position == layers.Count)
            throw new BlindSpotsException(hiddenLayers == 0
                ? $"--layer {choice}: {model.Architecture} has no hidden layer, so no activations to analyse (layer {position} is the output layer: its values are the logits)"
                : $"--layer {choice}: layer {position} ({layers[position - 1].Spec}) is the output layer: its values are the logits, not hidden activations; pick one of layers {hiddenRange}");

        int[] shape = model.InputShape;
        for (int i = 0; i < position; i++) shape = layers[i].OutputShape(shape);
        var layer = new UnitLayer(position, layers[position - 1].Spec, shape);
        if (layer.Units < 2)
            throw new BlindSpotsException($"--layer {choice}: layer {position} ({layer.Spec}) has {layer.Units} unit; comparing directions needs at least 2");
        return layer;
    }

    private static int BySpec(SequentialModel model, string choice, string text)
    {
        int at = text.LastIndexOf('@');
        string spec = at < 0 ? text : text[..at];
        int occurrence = 0;
        if (at >= 0 && (!int.TryParse(text[(at + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out occurrence) || occurrence < 1))
            throw new BlindSpotsException($"--layer {choice}: after '@' comes which occurrence of the layer, 1 or more");
        var matches = Enumerable.Range(0, model.Layers.Count)
            .Where(i => string.Equals(model.Layers[i].Spec, spec, StringComparison.OrdinalIgnoreCase)).ToList();
        if (matches.Count == 0)
            throw new BlindSpotsException(
                $"--layer {choice}: no such layer; expected {LastHidden}, a position 1..{model.Layers.Count} or one of the layers of {model.Architecture}");
        if (occurrence == 0 && matches.Count > 1)
            throw new BlindSpotsException(
                $"--layer {choice}: {model.Architecture} has {matches.Count} such layers; say which with {spec}@1..{spec}@{matches.Count} or give a position");
        if (occurrence > matches.Count)
            throw new BlindSpotsException($"--layer {choice}: {model.Architecture} has only {matches.Count} {spec} layer(s)");
        return matches[Math.Max(occurrence, 1) - 1] + 1;
    }
}
