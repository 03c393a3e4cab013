using IlgpuBlindSpots.Network.Layers;
using Onnx;

namespace IlgpuBlindSpots.Network.ModelFiles;

/// <summary>LayerNormalization (opset 17): a <see cref="LayerNormLayer"/> whose weight and bias are the node's constants.</summary>
internal sealed partial class OnnxGraphImporter
{
    private int LayerNormalization(NodeProto node)
    {
        int x = Data(node, 0);
        if (node.Output.Skip(1).Any(o => o.Length > 0 && readers.ContainsKey(o)))
            throw Fail($"node {Describe(node)} (LayerNormalization): its mean or inverse standard deviation output is used; only the normalised output is supported");
        if (Int(node, "stash_type", 1) != 1)
            throw Fail($"node {Describe(node)} (LayerNormalization) has stash_type {Int(node, "stash_type", 1)}; only float32 statistics (1) are supported");
        var shape = builder.Shape(x);
        int axis = Axis(node, Int(node, "axis", -1), shape.Length);
        int length = shape.Skip(axis).Aggregate(1, (a, b) => a * b);
        float[] scale = Floats(node, Constant(node, 1));
        float[] bias = HasInput(node, 2) ? Floats(node, Constant(node, 2)) : new float[length];
        if (scale.Length != length || bias.Length != length)
            throw Fail($"node {Describe(node)} (LayerNormalization): scale and bias have {scale.Length} and {bias.Length} values, not the {length} of the normalised axes {Tensor.Format(shape[axis..])}");
        var layer = new LayerNormLayer(Device, builder.ExampleShape(x), axis, Float(node, "epsilon", 1e-5f), Name(node));
        layer.Weight.Value.CopyFrom(scale);
        layer.Bias.Value.CopyFrom(bias);
        return Add(node, layer, x);
    }
}
