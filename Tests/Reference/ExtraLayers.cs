using IlgpuBlindSpots.Network.Layers;

namespace IlgpuBlindSpots.Tests.Reference;

/// <summary>Float64 forwards of the image layers for <see cref="ModelReference"/>, one example at a time.</summary>
internal static class ExtraLayers
{
    public static double[] Forward(ILayer layer, int[] shape, double[] x, Dictionary<string, double[]> weights) => layer switch
    {
        Conv2dLayer c => new ConvolutionReference(1, c.InChannels, c.InHeight, c.InWidth, c.Filters,
                c.KernelHeight, c.KernelWidth, c.Stride, c.Stride, c.Padding, c.Padding)
            .Forward(x, weights[c.Weight.Name], weights[c.Bias.Name]),
        MaxPoolLayer p => new PoolingReference(1, p.Channels, p.InHeight, p.InWidth,
                p.WindowHeight, p.WindowWidth, p.Stride, p.Stride, p.Padding, p.Padding)
            .Forward(x).Y,
        _ => throw new NotSupportedException($"no float64 reference for {layer.Spec}"),
    };
}
