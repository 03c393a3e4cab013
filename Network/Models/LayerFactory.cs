using IlgpuBlindSpots.Network.Layers;

namespace IlgpuBlindSpots.Network.Models;

/// <summary>Turns one <see cref="LayerSpec"/> into its layer for a given per-example input shape.</summary>
internal static class LayerFactory
{
    public static ILayer Create(ComputeDevice device, LayerSpec spec, int[] inputShape, string name) => spec switch
    {
        FcSpec fc => new DenseLayer(device, inputShape.Aggregate(1, (a, b) => a * b), fc.Outputs, name),
        ConvSpec c => new Conv2dLayer(device, inputShape, c.Filters, c.KernelHeight, c.KernelWidth, c.Stride, c.Padding, name),
        MaxPoolSpec m => new MaxPoolLayer(device, inputShape, m.WindowHeight, m.WindowWidth, m.Stride, m.Padding),
        ActivationSpec a => new ActivationLayer(device, a.Kind),
        NormalizeSpec n => new NormalizeLayer(device, inputShape, n.Means, n.Stds),
        DropoutSpec d => new DropoutLayer(device, d.Probability, seed: 0x5eed + int.Parse(name, System.Globalization.CultureInfo.InvariantCulture)),
        _ => throw new BlindSpotsException($"layer '{spec}' has no implementation"),
    };
}
