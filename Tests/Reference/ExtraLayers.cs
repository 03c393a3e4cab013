using IlgpuBlindSpots.Network.Layers;

namespace IlgpuBlindSpots.Tests.Reference;

/// <summary>Float64 forwards of the image layers for <see cref="ModelReference"/>, one example at a time.</summary>
internal static class ExtraLayers
{
    public static double[] Forward(ILayer layer, int[] shape, double[] x, Dictionary<string, double[]> weights) =>
        throw new NotSupportedException($"no float64 reference for {layer.Spec}");
}
