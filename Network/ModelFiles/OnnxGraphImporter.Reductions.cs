using IlgpuBlindSpots.Network.Layers;
using Onnx;

namespace IlgpuBlindSpots.Network.ModelFiles;

/// <summary>The reductions: ReduceMean over axes after the batch.</summary>
internal sealed partial class OnnxGraphImporter
{
    private int ReduceMean(NodeProto node)
    {
        int x = Data(node, 0);
        int rank = builder.Shape(x).Length;
        long[]? axes = opset < 18 ? IntsAttr(node, "axes") : HasInput(node, 1) ? Ints(node, Constant(node, 1)) : null;
        if (axes is null || axes.Length == 0)
        {
            if (Int(node, "noop_with_empty_axes", 0) != 0) return x;
            // Without axes ONNX reduces every axis, the batch's too.
            throw Fail($"node {Describe(node)} (ReduceMean) reduces every axis, the batch axis too; only axes after the batch are supported");
        }
        var normalised = axes.Select(a => Axis(node, a, rank)).ToArray();
        return Add(node, new ReduceMeanLayer(Device, builder.ExampleShape(x), normalised, Int(node, "keepdims", 1) != 0), x);
    }
}
