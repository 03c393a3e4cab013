using Google.Protobuf;
using IlgpuBlindSpots.Kernels;
using IlgpuBlindSpots.Network.Data;
using IlgpuBlindSpots.Network.Layers;
using IlgpuBlindSpots.Network.Models;
using Onnx;
using static IlgpuBlindSpots.Network.ModelFiles.OnnxProtoParts;

namespace IlgpuBlindSpots.Network.ModelFiles;

/// <summary>
/// Writes a <see cref="GraphModel"/> as ONNX opset 13: one input <c>input</c> [batch, ..input shape],
/// one output <c>output</c>, a node (or two) per graph node, parameters and constants as raw-data initializers.
/// </summary>
internal sealed class OnnxGraphExporter
{
    private readonly string path;
    private readonly GraphModel model;
    private readonly GraphProto graph = new() { Name = "blindspots" };
    private readonly Dictionary<int, int[]> shapes = [];

    private OnnxGraphExporter(string path, GraphModel model)
    {
        this.path = path;
        this.model = model;
    }

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> atomically.</summary>
    /// <exception cref="BlindSpotsException">A node has no opset-13 form (the message names it); nothing is written.</exception>
    public static void Save(string path, GraphModel model)
    {
        var exporter = new OnnxGraphExporter(path, model);
        var proto = exporter.Build();
        AtomicFile.Write(path, s => proto.WriteTo(s));
    }

    private ModelProto Build()
    {
        graph.Input.Add(BatchedValue("input", model.InputShape));
        foreach (var (v, t) in model.Constants)
            graph.Initializer.Add(OnnxTensor.Encode(Name(v), t.ToArray(), [.. t.Shape.Select(d => (long)d)]));
        foreach (var node in model.Nodes) Export(node);
        if (model.OutputValue == 0) Node("Identity", "identity", ["input"], "output");
        else
        {
            foreach (var n in graph.Node)
                for (int i = 0; i < n.Output.Count; i++)
                    if (n.Output[i] == Name(model.OutputValue)) n.Output[i] = "output";
            foreach (var n in graph.Node)
                for (int i = 0; i < n.Input.Count; i++)
                    if (n.Input[i] == Name(model.OutputValue)) n.Input[i] = "output";
        }
        graph.Output.Add(BatchedValue("output", model.OutputShape));
        var proto = new ModelProto { IrVersion = 7, ProducerName = "blindspots", Graph = graph };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OnnxModelFile.WrittenOpset });
        return proto;
    }

    private static string Name(int value) => value == 0 ? "input" : $"v{value}";

    private void Export(GraphNode node)
    {
        string x = Name(node.Inputs[0]), y = Name(node.Output), n = node.Name;
        switch ((object?)node.Layer ?? node.Merge)
        {
            case Conv2dLayer c:
                Node("Conv", n, [x, Init(n, "weight", c.Weight), Init(n, "bias", c.Bias)], y, Ints("kernel_shape", c.KernelHeight, c.KernelWidth),
                    Ints("strides", c.Stride, c.Stride), Ints("pads", c.Padding, c.Padding, c.Padding, c.Padding), Ints("dilations", 1, 1), Int("group", 1));
                break;
            case GroupedConv2dLayer g:
                var w = g.Window;
                Node("Conv", n, [x, Init(n, "weight", g.Weight), Init(n, "bias", g.Bias)], y, Ints("kernel_shape", w.KernelH, w.KernelW),
                    Ints("strides", w.StrideH, w.StrideW), Ints("pads", w.PadTop, w.PadLeft, w.PadBottom, w.PadRight), Ints("dilations", w.DilationH, w.DilationW), Int("group", g.Groups));
                break;
            case DenseLayer d:
                string flat = x;
                if (ShapeOf(node.Inputs[0]).Length > 1)
                    flat = Node("Flatten", n + "/flatten", [x], y + "_flat", Int("axis", 1));
                Node("Gemm", n, [flat, Init(n, "weight", d.Weight), Init(n, "bias", d.Bias)], y, Int("transB", 1));
                break;
            case ActivationLayer a:
                Node(a.Kind switch { ActivationKind.Relu => "Relu", ActivationKind.Sigmoid => "Sigmoid", _ => "Tanh" }, n, [x], y);
                break;
            case PointwiseLayer p: Pointwise(p, n, x, y); break;
            case WindowPoolLayer p: Pool(p, n, x, y); break;
            case ChannelAffineLayer a:
                long[] dims = [a.Scale.Value.Length, .. Enumerable.Repeat(1L, ShapeOf(node.Inputs[0]).Length - 1)];
                string scaled = Node("Mul", n + "/scale", [x, Init(n, "weight", a.Scale, dims)], y + "_scaled");
                Node("Add", n, [scaled, Init(n, "bias", a.Shift, dims)], y);
                break;
            case PadLayer p: Pad(p, node, n, x, y); break;
            case SoftmaxLayer s:
                var shape = ShapeOf(node.Inputs[0]);
                if (shape.Length == 0 || shape[^1] != s.RowLength) throw Fail(node, $"softmax over {s.RowLength} values is not over the last axis of {Tensor.Format(shape)}");
                Node(s.IsLog ? "LogSoftmax" : "Softmax", n, [x], y, Int("axis", -1));
                break;
            case ReshapeLayer r:
                long[] target = [0, .. r.OutputShape([]).Select(v => (long)v)];
                graph.Initializer.Add(Ints64(n + ".shape", target));
                Node("Reshape", n, [x, n + ".shape"], y);
                break;
            case TransposeLayer t: Node("Transpose", n, [x], y, Ints("perm", [.. t.Permutation.Select(p => (long)p)])); break;
            case LayerNormLayer l: LayerNorm(l, node, n, x, y); break;
            case ReduceMeanLayer m:
                Node("ReduceMean", n, [x], y, Ints("axes", [.. m.Axes.Select(a => (long)a)]), Int("keepdims", m.KeepDims ? 1 : 0));
                break;
            case BroadcastLayer b: Node(BroadcastLayer.Ops[Array.IndexOf(BroadcastLayer.Ops.Select(o => o.ToLowerInvariant()).ToArray(), b.Spec)], n, [x, Name(node.Inputs[1])], y); break;
            case ConcatLayer c: Node("Concat", n, [.. node.Inputs.Select(Name)], y, Int("axis", c.Axis)); break;
            default: throw Fail(node, "has no ONNX form");
        }
    }

    private void Pointwise(PointwiseLayer p, string n, string x, string y)
    {
        if (p.Name == "Clip")
        {
            graph.Initializer.Add(OnnxTensor.Encode(n + ".min", [p.A]));
            graph.Initializer.Add(OnnxTensor.Encode(n + ".max", [p.B]));
            Node("Clip", n, [x, n + ".min", n + ".max"], y);
            return;
        }
        var attributes = p.Name switch
        {
            "LeakyRelu" or "Elu" or "ThresholdedRelu" or "Celu" => [Float("alpha", p.A)],
            "HardSigmoid" => [Float("alpha", p.A), Float("beta", p.B)],
            "Selu" => [Float("alpha", p.A), Float("gamma", p.B)],
            _ => Array.Empty<AttributeProto>(),
        };
        Node(p.Name, n, [x], y, attributes);
    }

    private void Pool(WindowPoolLayer p, string n, string x, string y)
    {
        var w = p.Window;
        bool ceil = w.OutH != Window2d.OutputSize(w.Height, w.KernelH, w.StrideH, w.DilationH, w.PadTop, w.PadBottom, false)
                    || w.OutW != Window2d.OutputSize(w.Width, w.KernelW, w.StrideW, w.DilationW, w.PadLeft, w.PadRight, false);
        var attributes = new List<AttributeProto>
        {
            Ints("kernel_shape", w.KernelH, w.KernelW), Ints("strides", w.StrideH, w.StrideW),
            Ints("pads", w.PadTop, w.PadLeft, w.PadBottom, w.PadRight), Int("ceil_mode", ceil ? 1 : 0),
        };
        if (p.IsMax) attributes.Add(Ints("dilations", w.DilationH, w.DilationW));
        else if (w.DilationH != 1 || w.DilationW != 1) throw new BlindSpotsException($"{path}: node '{n}': a dilated average pool has no opset-{OnnxModelFile.WrittenOpset} form");
        else attributes.Add(Int("count_include_pad", p.CountIncludePad ? 1 : 0));
        Node(p.IsMax ? "MaxPool" : "AveragePool", n, [x], y, [.. attributes]);
    }

    /// <summary>LayerNormalization has no opset-13 form: written as its definition, means, a square root and broadcast products.</summary>
    private void LayerNorm(LayerNormLayer l, GraphNode node, string n, string x, string y)
    {
        var shape = ShapeOf(node.Inputs[0]);
        int rank = shape.Length + 1;
        var axes = Ints("axes", [.. Enumerable.Range(l.Axis, rank - l.Axis).Select(a => (long)a)]);
        long[] dims = [.. shape.Skip(l.Axis - 1).Select(d => (long)d)];
        string mean = Node("ReduceMean", n + "/mean", [x], y + "_mean", axes, Int("keepdims", 1));
        string centred = Node("Sub", n + "/centre", [x, mean], y + "_centred");
        string squares = Node("Mul", n + "/square", [centred, centred], y + "_squares");
        string variance = Node("ReduceMean", n + "/variance", [squares], y + "_variance", axes, Int("keepdims", 1));
        graph.Initializer.Add(OnnxTensor.Encode(n + ".epsilon", [l.Epsilon]));
        string deviation = Node("Sqrt", n + "/sqrt", [Node("Add", n + "/epsilon", [variance, n + ".epsilon"], y + "_shifted")], y + "_deviation");
        string normalised = Node("Div", n + "/normalise", [centred, deviation], y + "_normalised");
        string scaled = Node("Mul", n + "/scale", [normalised, Init(n, "weight", l.Weight, dims)], y + "_scaled");
        Node("Add", n, [scaled, Init(n, "bias", l.Bias, dims)], y);
    }

    private void Pad(PadLayer p, GraphNode node, string n, string x, string y)
    {
        int rank = ShapeOf(node.Inputs[0]).Length + 1;
        var pads = new long[2 * rank];
        (pads[rank - 2], pads[rank - 1], pads[2 * rank - 2], pads[2 * rank - 1]) = p.Pads;
        graph.Initializer.Add(Ints64(n + ".pads", pads));
        graph.Initializer.Add(OnnxTensor.Encode(n + ".value", [p.Value]));
        Node("Pad", n, [x, n + ".pads", n + ".value"], y);
    }

    /// <summary>The per-example shape of a computed value.</summary>
    /// <summary>
    /// A value's shape without the batch axis, each value's worked out once: without the memo a
    /// densely connected graph (densenet's blocks concatenate every earlier output) recomputes
    /// every path from the input, exponentially many.
    /// </summary>
    private int[] ShapeOf(int value)
    {
        if (value == 0) return model.InputShape;
        if (shapes.TryGetValue(value, out var known)) return known;
        var writer = model.Nodes.First(m => m.Output == value);
        int[] shape;
        if (writer.Layer != null) shape = writer.Layer.OutputShape(ShapeOf(writer.Inputs[0]));
        else
        {
            var inputs = writer.Inputs.Select(v => model.Constants.TryGetValue(v, out var c) ? c.Shape.ToArray() : [1, .. ShapeOf(v)]).ToList();
            shape = writer.Merge!.OutputShape(inputs)[1..];
        }
        shapes[value] = shape;
        return shape;
    }

    private string Init(string node, string suffix, Parameter p, long[]? dims = null)
    {
        graph.Initializer.Add(OnnxTensor.Encode($"{node}.{suffix}", p.Value.ToArray(), dims ?? [.. p.Value.Shape.Select(d => (long)d)]));
        return $"{node}.{suffix}";
    }

    private string Node(string op, string name, string[] inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { Name = name, OpType = op };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        graph.Node.Add(node);
        return output;
    }

    private static TensorProto Ints64(string name, long[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.Add(values.Length);
        t.Int64Data.AddRange(values);
        return t;
    }

    private BlindSpotsException Fail(GraphNode node, string problem) => new($"{path}: graph node '{node.Name}' ({node.Spec}) {problem}");
}
