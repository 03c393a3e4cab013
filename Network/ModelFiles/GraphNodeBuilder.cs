using IlgpuBlindSpots.Kernels;
using IlgpuBlindSpots.Network.Layers;
using IlgpuBlindSpots.Network.Models;

namespace IlgpuBlindSpots.Network.ModelFiles;

/// <summary>Turns one <see cref="GraphNodeRecord"/> of a model file back into its layer on a <see cref="GraphBuilder"/>, parameters loaded.</summary>
internal static class GraphNodeBuilder
{
    /// <summary>Adds the node's layer reading <paramref name="inputs"/>; returns the value it writes.</summary>
    public static int Add(GraphBuilder builder, GraphNodeRecord r, int[] inputs, Dictionary<string, NamedTensor> tensors, string path)
    {
        var device = builder.Device;
        int[] n = r.Ints;
        float[] f = r.Floats;
        void Need(int ints, int floats = 0, int reads = 1)
        {
            if (n.Length != ints || f.Length != floats || inputs.Length != reads && reads > 0 || reads == 0 && inputs.Length < 1)
                throw new BlindSpotsException($"{path}: node '{r.Name}' ({r.Op}) has {n.Length} integer and {f.Length} float attributes and {inputs.Length} inputs, expected {ints}, {floats} and {(reads == 0 ? "some" : reads)}");
        }
        int[] shape = inputs.Length > 0 ? builder.Shape(inputs[0])[1..] : [];
        string op = r.Op.StartsWith("pointwise:", StringComparison.Ordinal) ? "pointwise" : r.Op;
        ILayer? layer = null;
        switch (op)
        {
            case "conv": Need(5); layer = new Conv2dLayer(device, shape, n[0], n[1], n[2], n[3], n[4], r.Name); break;
            case "gconv": Need(14); layer = new GroupedConv2dLayer(device, shape, n[0], n[1], Window(n.AsSpan(2), shape), r.Name); break;
            case "dense": Need(1); layer = new DenseLayer(device, shape.Aggregate(1, (a, b) => a * b), n[0], r.Name); break;
            case "relu": Need(0); layer = new ActivationLayer(device, ActivationKind.Relu); break;
            case "sigmoid": Need(0); layer = new ActivationLayer(device, ActivationKind.Sigmoid); break;
            case "tanh": Need(0); layer = new ActivationLayer(device, ActivationKind.Tanh); break;
            case "pointwise":
                Need(1, 2);
                if (n[0] < 0 || n[0] > PointwiseOp.Cosh) throw new BlindSpotsException($"{path}: node '{r.Name}' has element-wise op code {n[0]}, which this program does not know");
                layer = new PointwiseLayer(device, n[0], f[0], f[1], r.Op["pointwise:".Length..]); break;
            case "maxpool" or "avgpool": Need(13); layer = new WindowPoolLayer(device, shape[0], Window(n.AsSpan(0, 12), shape), op == "maxpool", n[12] != 0); break;
            case "affine": Need(0); layer = new ChannelAffineLayer(device, shape, r.Name); break;
            case "pad": Need(4, 1); layer = new PadLayer(device, shape, n[0], n[1], n[2], n[3], f[0]); break;
            case "softmax": Need(2); layer = new SoftmaxLayer(device, n[0], n[1] != 0); break;
            case "reshape": layer = new ReshapeLayer(shape, n); break;
            case "transpose": layer = new TransposeLayer(device, shape, n); break;
            case "layernorm": Need(1, 1); layer = new LayerNormLayer(device, shape, n[0], f[0], r.Name); break;
            case "reducemean":
                if (n.Length < 2) throw new BlindSpotsException($"{path}: node '{r.Name}' (reducemean) needs keepdims and at least one axis");
                layer = new ReduceMeanLayer(device, shape, n[1..], n[0] != 0); break;
            case "add" or "sub" or "mul" or "div":
                Need(0, 0, 2);
                return builder.Add(r.Name, new BroadcastLayer(device, char.ToUpperInvariant(op[0]) + op[1..]), inputs);
            case "concat":
                Need(1, 0, 0);
                return builder.Add(r.Name, new ConcatLayer(device, n[0]), inputs);
            default: throw new BlindSpotsException($"{path}: node '{r.Name}' has op '{r.Op}', which this program does not know");
        }
        if (inputs.Length != 1)
        {
            layer.Dispose();
            throw new BlindSpotsException($"{path}: node '{r.Name}' ({r.Op}) reads {inputs.Length} values, not 1");
        }
        try
        {
            foreach (var p in layer.Parameters)
            {
                if (!tensors.TryGetValue(p.Name, out var t)) throw new BlindSpotsException($"{path}: missing tensor '{p.Name}' for node '{r.Name}'");
                if (!t.Shape.SequenceEqual(p.Value.Shape)) throw new BlindSpotsException($"{path}: tensor '{p.Name}' has shape {t.ShapeText} but node '{r.Name}' needs {Tensor.Format(p.Value.Shape)}");
                p.Value.CopyFrom(t.Data);
            }
        }
        catch
        {
            layer.Dispose();
            throw;
        }
        return builder.Add(r.Name, layer, inputs[0]);
    }

    private static Window2d Window(ReadOnlySpan<int> n, int[] shape)
    {
        if (shape.Length != 3) throw new BlindSpotsException($"a window needs a C×H×W input, got {Tensor.Format(shape)}");
        if (n[0] < 1 || n[1] < 1 || n[2] < 1 || n[3] < 1 || n[4] < 1 || n[5] < 1 || n[6] < 0 || n[7] < 0 || n[8] < 0 || n[9] < 0 || n[10] < 1 || n[11] < 1
            || Window2d.OutputSize(shape[1], n[0], n[2], n[4], n[6], n[8], ceil: true) < n[10] || Window2d.OutputSize(shape[2], n[1], n[3], n[5], n[7], n[9], ceil: true) < n[11])
            throw new BlindSpotsException($"window [{string.Join(", ", n.ToArray())}] does not fit a {shape[1]}×{shape[2]} input");
        return new Window2d(shape[1], shape[2], n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7], n[8], n[9], n[10], n[11]);
    }
}
