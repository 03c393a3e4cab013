using IlgpuBlindSpots.Kernels;
using IlgpuBlindSpots.Network.Layers;
using Onnx;

namespace IlgpuBlindSpots.Network.ModelFiles;

/// <summary>The translation of one node into layers of the graph.</summary>
internal sealed partial class OnnxGraphImporter
{
    private ComputeDevice Device => builder.Device;

    private int Translate(NodeProto node)
    {
        switch (node.OpType)
        {
            case "Identity": return Value(node, 0);
            case "Dropout":
                if (node.Output.Count > 1 && node.Output[1].Length > 0 && readers.ContainsKey(node.Output[1]))
                    throw Fail($"node {Describe(node)} (Dropout): its mask output is used; only inference Dropout (the identity) is supported");
                return Value(node, 0);
            case "Relu": return Add(node, new ActivationLayer(Device, ActivationKind.Relu), Data(node, 0));
            case "Sigmoid": return Add(node, new ActivationLayer(Device, ActivationKind.Sigmoid), Data(node, 0));
            case "Tanh": return Add(node, new ActivationLayer(Device, ActivationKind.Tanh), Data(node, 0));
            case "Clip": return Clip(node);
            case "LeakyRelu": return Pointwise(node, PointwiseOp.LeakyRelu, Float(node, "alpha", 0.01f), 0f);
            case "Elu": return Pointwise(node, PointwiseOp.Elu, Float(node, "alpha", 1f), 0f);
            case "Selu": return Pointwise(node, PointwiseOp.Selu, Float(node, "alpha", 1.67326319217681884765625f), Float(node, "gamma", 1.05070102214813232421875f));
            case "HardSigmoid": return Pointwise(node, PointwiseOp.HardSigmoid, Float(node, "alpha", 0.2f), Float(node, "beta", 0.5f));
            case "HardSwish": return Pointwise(node, PointwiseOp.HardSwish, 0f, 0f);
            case "Softplus": return Pointwise(node, PointwiseOp.Softplus, 0f, 0f);
            case "Softsign": return Pointwise(node, PointwiseOp.Softsign, 0f, 0f);
            case "Neg": return Pointwise(node, PointwiseOp.Neg, 0f, 0f);
            case "Abs": return Pointwise(node, PointwiseOp.Abs, 0f, 0f);
            case "Exp": return Pointwise(node, PointwiseOp.Exp, 0f, 0f);
            case "Reciprocal": return Pointwise(node, PointwiseOp.Reciprocal, 0f, 0f);
            case "Sqrt": return Pointwise(node, PointwiseOp.Sqrt, 0f, 0f);
            case "Log": return Pointwise(node, PointwiseOp.Log, 0f, 0f);
            case "Floor": return Pointwise(node, PointwiseOp.Floor, 0f, 0f);
            case "Ceil": return Pointwise(node, PointwiseOp.Ceil, 0f, 0f);
            case "ThresholdedRelu": return Pointwise(node, PointwiseOp.ThresholdedRelu, Float(node, "alpha", 1f), 0f);
            case "Celu": return Pointwise(node, PointwiseOp.Celu, Float(node, "alpha", 1f), 0f);
            case "Sinh": return Pointwise(node, PointwiseOp.Sinh, 0f, 0f);
            case "Cosh": return Pointwise(node, PointwiseOp.Cosh, 0f, 0f);
            case "Add" or "Sub" or "Mul" or "Div":
                if (node.Input.Count != 2) throw Fail($"node {Describe(node)} ({node.OpType}) has {node.Input.Count} inputs, not 2");
                return Merge(node, new BroadcastLayer(Device, node.OpType), Value(node, 0), Value(node, 1));
            case "Concat": return Concat(node);
            case "Conv": return Conv(node);
            case "Gemm": return Gemm(node);
            case "MatMul": return MatMul(node);
            case "MaxPool" or "AveragePool": return Pool(node);
            case "GlobalAveragePool" or "GlobalMaxPool": return GlobalPool(node);
            case "BatchNormalization": return BatchNormalization(node);
            case "Pad": return Pad(node);
            case "Flatten": return Flatten(node);
            case "Reshape": return Reshape(node);
            case "Squeeze" or "Unsqueeze": return SqueezeOrUnsqueeze(node);
            case "Transpose": return Transpose(node);
            case "ReduceMean": return ReduceMean(node);
            case "LayerNormalization": return LayerNormalization(node);
            case "Softmax" or "LogSoftmax": return Softmax(node);
            default: throw Unsupported(node);
        }
    }

    private int Pointwise(NodeProto node, int op, float a, float b) =>
        Add(node, new PointwiseLayer(Device, op, a, b, node.OpType), Data(node, 0));

    private int Clip(NodeProto node)
    {
        float min = float.MinValue, max = float.MaxValue;
        if (opset < 11)
        {
            min = Float(node, "min", min);
            max = Float(node, "max", max);
        }
        else
        {
            if (HasInput(node, 1)) min = Scalar(node, 1);
            if (HasInput(node, 2)) max = Scalar(node, 2);
        }
        return Pointwise(node, PointwiseOp.Clip, min, max);
    }

    private float Scalar(NodeProto node, int index)
    {
        var c = Floats(node, Constant(node, index));
        return c.Length == 1 ? c[0] : throw Fail($"node {Describe(node)} ({node.OpType}): input {index} must be one number");
    }

    private int Concat(NodeProto node)
    {
        var inputs = Enumerable.Range(0, node.Input.Count).Select(i => Data(node, i)).ToArray();
        int rank = builder.Shape(inputs[0]).Length;
        int axis = Axis(node, Int(node, "axis", 1), rank);
        if (inputs.Length == 1) return inputs[0];
        return Merge(node, new ConcatLayer(Device, axis), inputs);
    }

    private int Softmax(NodeProto node)
    {
        int x = Data(node, 0);
        var shape = builder.Shape(x);
        int axis = Axis(node, Int(node, "axis", opset < 13 ? 1 : -1), shape.Length);
        if (opset >= 13 && axis != shape.Length - 1)
            throw Fail($"node {Describe(node)} ({node.OpType}) is taken along axis {axis} of {shape.Length}; only the last axis is supported");
        int row = shape.Skip(axis).Aggregate(1, (a, b) => a * b);
        return Add(node, new SoftmaxLayer(Device, row, node.OpType == "LogSoftmax"), x);
    }

    private int Transpose(NodeProto node)
    {
        int x = Data(node, 0);
        int rank = builder.Shape(x).Length;
        // Without perm, ONNX reverses the axes, which moves the batch axis: refused below as any such permutation is.
        long[] perm = IntsAttr(node, "perm") ?? Enumerable.Range(0, rank).Reverse().Select(v => (long)v).ToArray();
        if (perm.Length != rank || perm[0] != 0)
            throw Fail($"node {Describe(node)} (Transpose) has perm [{string.Join(", ", perm)}] for a rank-{rank} tensor; only permutations that keep the batch axis first are supported");
        return Add(node, new TransposeLayer(Device, builder.ExampleShape(x), perm.Select(p => (int)Math.Clamp(p, -1, rank)).ToArray()), x);
    }

    private int Flatten(NodeProto node)
    {
        int x = Data(node, 0);
        var shape = builder.Shape(x);
        int axis = (int)Int(node, "axis", 1);
        if (axis < 0) axis += shape.Length;
        if (axis < 1 || axis > shape.Length)
            throw Fail($"node {Describe(node)} (Flatten) has axis {Int(node, "axis", 1)}; only axes that keep the batch (1 to {shape.Length}) are supported");
        // Axis k > 1 folds axes 1..k−1 into the batch's rows; each example's values stay together, seen as [k-block, rest].
        int[] example = axis == 1 ? [shape.Skip(1).Aggregate(1, (a, b) => a * b)]
            : [shape.Skip(1).Take(axis - 1).Aggregate(1, (a, b) => a * b), shape.Skip(axis).Aggregate(1, (a, b) => a * b)];
        return Add(node, new ReshapeLayer(builder.ExampleShape(x), example), x);
    }

    private int Reshape(NodeProto node)
    {
        int x = Data(node, 0);
        var example = builder.ExampleShape(x);
        long[] target = opset < 5 ? IntsAttr(node, "shape") ?? [] : Ints(node, Constant(node, 1));
        if (target.Length == 0 || !(target[0] == 0 || target[0] == -1 || (declaredBatch > 0 && target[0] == declaredBatch)))
            throw Fail($"node {Describe(node)} (Reshape) to [{string.Join(", ", target)}]; the first axis must stay the batch (0, -1 or the batch size)");
        bool allowZero = Int(node, "allowzero", 0) != 0;
        var dims = new int[target.Length - 1];
        int unknown = -1;
        long known = 1, total = example.Aggregate(1L, (a, b) => a * b);
        for (int i = 1; i < target.Length; i++)
        {
            long t = target[i];
            if (t == 0 && !allowZero)
            {
                if (i > example.Length) throw Fail($"node {Describe(node)} (Reshape): 0 at axis {i} copies an axis the input does not have");
                t = example[i - 1];
            }
            if (t == -1 && unknown < 0) unknown = i - 1;
            else if (t <= 0 || t > int.MaxValue) throw Fail($"node {Describe(node)} (Reshape) to [{string.Join(", ", target)}]: size {target[i]} at axis {i}");
            else
            {
                dims[i - 1] = (int)t;
                known *= t;
            }
        }
        if (unknown >= 0) dims[unknown] = known > 0 && total % known == 0 ? (int)(total / known) : -1;
        if (target[0] == -1 && unknown >= 0 || dims.Aggregate(1L, (a, b) => a * b) != total)
            throw Fail($"node {Describe(node)} (Reshape) to [{string.Join(", ", target)}] does not fit examples of {Tensor.Format(example)}");
        return Add(node, new ReshapeLayer(example, dims), x);
    }

    private int SqueezeOrUnsqueeze(NodeProto node)
    {
        int x = Data(node, 0);
        var shape = builder.Shape(x).ToList();
        long[]? axes = opset < 13 ? IntsAttr(node, "axes") : HasInput(node, 1) ? Ints(node, Constant(node, 1)) : null;
        bool squeeze = node.OpType == "Squeeze";
        int rank = squeeze ? shape.Count : shape.Count + (axes?.Length ?? 0);
        if (axes == null)
        {
            if (!squeeze) throw Fail($"node {Describe(node)} (Unsqueeze) has no axes");
            axes = Enumerable.Range(1, shape.Count - 1).Where(d => shape[d] == 1).Select(d => (long)d).ToArray();
        }
        var normal = axes.Select(a => Axis(node, a, rank)).OrderBy(a => a).ToList();
        if (squeeze)
        {
            foreach (int a in normal.AsEnumerable().Reverse())
            {
                if (shape[a] != 1) throw Fail($"node {Describe(node)} (Squeeze): axis {a} has size {shape[a]}, not 1");
                shape.RemoveAt(a);
            }
        }
        else
        {
            foreach (int a in normal) shape.Insert(a, 1);
        }
        return Add(node, new ReshapeLayer(builder.ExampleShape(x), shape.Skip(1).ToArray()), x);
    }

    /// <summary>An axis attribute made non-negative for a tensor of <paramref name="rank"/>; axis 0, the batch, is refused.</summary>
    private int Axis(NodeProto node, long axis, int rank)
    {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 1 || a >= rank)
            throw Fail($"node {Describe(node)} ({node.OpType}) has axis {axis} of a rank-{rank} tensor; only axes 1 to {rank - 1} (not the batch) are supported");
        return (int)a;
    }

    private static long Int(NodeProto node, string name, long fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name)?.I ?? fallback;

    private static float Float(NodeProto node, string name, float fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name)?.F ?? fallback;

    private static long[]? IntsAttr(NodeProto node, string name) =>
        node.Attribute.FirstOrDefault(a => a.Name == name)?.Ints.ToArray();

    private static string? Text(NodeProto node, string name) =>
        node.Attribute.FirstOrDefault(a => a.Name == name)?.S.ToStringUtf8();
}
