using Onnx;

namespace IlgpuBlindSpots.Network.ModelFiles;

/// <summary>Constant folding: nodes whose inputs are all constants are evaluated on the host at import.</summary>
internal sealed partial class OnnxGraphImporter
{
    /// <summary>Evaluates a node of constants into a new constant; false when the op cannot be folded here.</summary>
    private bool TryFold(NodeProto node)
    {
        OnnxTensor? result = node.OpType switch
        {
            "Constant" => OnnxTensor.OfConstantNode(node, Describe(node), Fail),
            "Identity" or "Dropout" => Constant(node, 0),
            "Neg" or "Reciprocal" or "Sqrt" or "Relu" or "Exp" => Unary(node),
            "Add" or "Sub" or "Mul" or "Div" => Binary(node),
            "Unsqueeze" or "Squeeze" or "Reshape" or "Flatten" when node.OpType != "Reshape" || HasInput(node, 1) => Reshaped(node),
            _ => null,
        };
        if (result == null) return false;
        if (result.Floats != null && result.Floats.Any(v => !float.IsFinite(v)))
            throw Fail($"node {Describe(node)} ({node.OpType}) computes NaN or infinite constants");
        constants[node.Output[0]] = result;
        return true;
    }

    private OnnxTensor Unary(NodeProto node)
    {
        var x = Constant(node, 0);
        var f = Floats(node, x);
        return new OnnxTensor(x.Dims, node.OpType switch
        {
            "Neg" => f.Select(v => -v).ToArray(),
            "Reciprocal" => f.Select(v => 1f / v).ToArray(),
            "Sqrt" => f.Select(MathF.Sqrt).ToArray(),
            "Relu" => f.Select(v => Math.Max(v, 0f)).ToArray(),
            _ => f.Select(MathF.Exp).ToArray(),
        }, null);
    }

    private OnnxTensor? Binary(NodeProto node)
    {
        var x = Constant(node, 0);
        var y = Constant(node, 1);
        if (x.Floats == null || y.Floats == null)
        {
            if (x.Ints == null || y.Ints == null || x.Count != y.Count && x.Count != 1 && y.Count != 1) return null;
            long[] li = new long[Math.Max(x.Count, y.Count)];
            for (int i = 0; i < li.Length; i++)
            {
                long p = x.Ints[x.Count == 1 ? 0 : i], q = y.Ints[y.Count == 1 ? 0 : i];
                li[i] = node.OpType switch { "Add" => p + q, "Sub" => p - q, "Mul" => p * q, _ => q == 0 ? 0 : p / q };
            }
            return new OnnxTensor(x.Count >= y.Count ? x.Dims : y.Dims, null, li);
        }
        var dims = Layers.BroadcastLayer.BroadcastShape(x.Dims.Select(d => (int)d).ToArray(), y.Dims.Select(d => (int)d).ToArray())
            ?? throw Fail($"node {Describe(node)} ({node.OpType}): constants of shapes {x.ShapeText} and {y.ShapeText} do not broadcast");
        var r = new float[dims.Aggregate(1, (a, b) => a * b)];
        for (int i = 0; i < r.Length; i++)
        {
            float p = x.Floats[Source(i, dims, x.Dims)], q = y.Floats[Source(i, dims, y.Dims)];
            r[i] = node.OpType switch { "Add" => p + q, "Sub" => p - q, "Mul" => p * q, _ => p / q };
        }
        return new OnnxTensor(dims.Select(d => (long)d).ToArray(), r, null);
    }

    /// <summary>The flat index into an operand of shape <paramref name="own"/> that output element <paramref name="i"/> of shape <paramref name="dims"/> reads.</summary>
    private static int Source(int i, int[] dims, long[] own)
    {
        int index = 0, stride = 1;
        for (int d = dims.Length - 1; d >= 0; d--)
        {
            int c = i % dims[d];
            i /= dims[d];
            int o = d - (dims.Length - own.Length);
            if (o < 0) continue;
            if (own[o] != 1) index += c * stride;
            stride *= (int)own[o];
        }
        return index;
    }

    private OnnxTensor? Reshaped(NodeProto node)
    {
        var x = Constant(node, 0);
        var dims = x.Dims.ToList();
        switch (node.OpType)
        {
            case "Flatten":
                int axis = (int)Int(node, "axis", 1);
                if (axis < 0) axis += dims.Count;
                dims = [dims.Take(axis).Aggregate(1L, (a, b) => a * b), dims.Skip(axis).Aggregate(1L, (a, b) => a * b)];
                break;
            case "Reshape":
                var t = Ints(node, Constant(node, 1));
                if (t.Any(v => v < -1) || t.Count(v => v == -1) > 1) return null;
                var shape = t.Select((v, i) => v == 0 && i < dims.Count ? dims[i] : v).ToArray();
                long known = shape.Where(v => v > 0).Aggregate(1L, (a, b) => a * b);
                dims = shape.Select(v => v == -1 ? x.Count / Math.Max(1, known) : v).ToList();
                break;
            default:
                long[]? axes = opset < 13 ? IntsAttr(node, "axes") : HasInput(node, 1) ? Ints(node, Constant(node, 1)) : null;
                if (node.OpType == "Squeeze")
                    dims = axes == null ? dims.Where(d => d != 1).ToList()
                        : dims.Where((d, i) => !axes.Any(a => (a < 0 ? a + dims.Count : a) == i)).ToList();
                else
                {
                    if (axes == null) return null;
                    int rank = dims.Count + axes.Length;
                    foreach (long a in axes.Select(a => a < 0 ? a + rank : a).OrderBy(a => a)) dims.Insert((int)Math.Clamp(a, 0, dims.Count), 1);
                }
                break;
        }
        if (dims.Aggregate(1L, (a, b) => a * b) != x.Count) throw Fail($"node {Describe(node)} ({node.OpType}) reshapes a constant of {x.ShapeText} to [{string.Join(", ", dims)}]");
        return new OnnxTensor(dims.ToArray(), x.Floats, x.Ints);
    }
}
