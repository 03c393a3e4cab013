using IlgpuBlindSpots.Network.Layers;
using IlgpuBlindSpots.Network.Models;
using Onnx;

namespace IlgpuBlindSpots.Network.ModelFiles;

/// <summary>
/// Builds a <see cref="GraphModel"/> from any ONNX graph of supported ops with one input and one
/// output (opsets 9 to 21): nodes are taken in the file's order (ONNX requires it topological),
/// constant sub-graphs folded on the host, Identity and Dropout aliased away, BatchNormalization
/// folded into the Conv or Gemm before it where that is exact. The first axis of the input is the
/// batch; every node must keep it. Anything else is one line naming the file, the node and the problem.
/// </summary>
internal sealed partial class OnnxGraphImporter
{
    public const string SupportedOps =
        "Conv (groups, dilations), Gemm, MatMul (2-D by a constant), Add, Sub, Mul, Div (broadcasting), Concat, " +
        "MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool, BatchNormalization, Pad (constant), Relu, Sigmoid, Tanh, " +
        "Clip, LeakyRelu, Elu, Selu, Celu, ThresholdedRelu, HardSigmoid, HardSwish, Softplus, Softsign, Neg, Abs, Exp, Log, Sqrt, " +
        "Reciprocal, Floor, Ceil, Sinh, Cosh, Softmax, LogSoftmax, " +
        "Flatten, Reshape, Squeeze, Unsqueeze, Transpose (batch axis kept), ReduceMean (axes after the batch), LayerNormalization, Identity, Dropout, Constant";

    private readonly string path;
    private readonly GraphProto graph;
    private readonly int opset;
    private readonly bool classifier;
    private readonly GraphBuilder builder;
    private readonly Dictionary<string, OnnxTensor> constants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> readers = new(StringComparer.Ordinal);
    // The layer that wrote a value, for folding a BatchNormalization into it.
    private readonly Dictionary<int, ILayer> writers = [];
    private readonly List<string> notices = [];
    private int declaredBatch = -1;

    private OnnxGraphImporter(string path, GraphProto graph, int opset, bool classifier, GraphBuilder builder)
    {
        this.path = path;
        this.graph = graph;
        this.opset = opset;
        this.classifier = classifier;
        this.builder = builder;
    }

    /// <summary>
    /// The graph of <paramref name="model"/> on <paramref name="device"/>, and the notices of what was
    /// changed on the way. With <paramref name="classifier"/>, a trailing Softmax/LogSoftmax is dropped
    /// (with a notice): the model gives logits.
    /// </summary>
    public static (GraphModel Model, List<string> Notices) Import(string path, ModelProto model, ComputeDevice device, bool classifier)
    {
        var graph = model.Graph ?? throw new BlindSpotsException($"{path}: ONNX model has no graph");
        var opset = model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx")
            ?? throw new BlindSpotsException($"{path}: ONNX model imports no default-domain opset");
        if (opset.Version < 9 || opset.Version > 21)
            throw new BlindSpotsException($"{path}: ONNX opset {opset.Version} is not supported; opsets 9 to 21 are");
        var inputs = graph.Input.Where(i => !graph.Initializer.Any(t => t.Name == i.Name)).ToList();
        if (inputs.Count != 1)
            throw new BlindSpotsException($"{path}: has {inputs.Count} graph inputs ({string.Join(", ", inputs.Select(i => $"'{i.Name}'"))}); a model must have exactly one");
        if (graph.Output.Count != 1)
            throw new BlindSpotsException($"{path}: has {graph.Output.Count} graph outputs; a model must have exactly one");
        int outputType = graph.Output[0].Type?.TensorType?.ElemType ?? 1;
        if (outputType is not (0 or 1))
            throw new BlindSpotsException($"{path}: graph output '{graph.Output[0].Name}' has element type {outputType}; only float32 (1) is supported");
        using var builder = new GraphBuilder(device, ExampleShape(path, inputs[0], out int batch));
        var importer = new OnnxGraphImporter(path, graph, (int)opset.Version, classifier, builder) { declaredBatch = batch };
        importer.values[inputs[0].Name] = builder.Input;
        int output = importer.Run();
        try
        {
            return (builder.Build(output), importer.notices);
        }
        catch (BlindSpotsException e)
        {
            throw new BlindSpotsException($"{path}: {e.Message}", e);
        }
    }

    private int Run()
    {
        foreach (var init in graph.Initializer)
        {
            var t = OnnxTensor.Decode(init, m => Fail($"initializer '{init.Name}' {m}"));
            if (t.Floats != null && t.Floats.Any(v => !float.IsFinite(v)))
                throw Fail($"initializer '{init.Name}' holds NaN or infinite values");
            constants[init.Name] = t;
        }
        foreach (var node in graph.Node)
            foreach (string name in node.Input.Where(n => n.Length > 0))
                readers[name] = readers.GetValueOrDefault(name) + 1;
        string outputName = graph.Output[0].Name;
        foreach (var node in graph.Node)
        {
            if (node.Domain is not ("" or "ai.onnx")) throw Unsupported(node);
            if (node.Output.Count == 0 || node.Output[0].Length == 0) throw Fail($"node {Describe(node)} has no output");
            if (node.Input.Where(n => n.Length > 0).All(constants.ContainsKey) && TryFold(node)) continue;
            foreach (string name in node.Input.Where(n => n.Length > 0))
                if (!constants.ContainsKey(name) && !values.ContainsKey(name))
                    throw Fail($"node {Describe(node)} ({node.OpType}): input '{name}' is neither an initializer nor a constant, nor computed by an earlier node (missing initializer, a cycle, or nodes out of topological order?)");
            if (classifier && node.OpType is "Softmax" or "LogSoftmax" && node.Output[0] == outputName)
            {
                notices.Add($"{path}: trailing {node.OpType} {Describe(node)} dropped; the model gives logits, which the attack works on (softmax does not change which class wins)");
                values[node.Output[0]] = Value(node, 0);
                continue;
            }
            values[node.Output[0]] = Translate(node);
        }
        if (!values.TryGetValue(outputName, out int output))
            throw Fail($"the graph output '{outputName}' is not computed from the input");
        return output;
    }

    private static int[] ExampleShape(string path, ValueInfoProto input, out int batch)
    {
        var tensor = input.Type?.TensorType ?? throw new BlindSpotsException($"{path}: graph input '{input.Name}' is not a tensor");
        if (tensor.ElemType != 1) throw new BlindSpotsException($"{path}: graph input '{input.Name}' has element type {tensor.ElemType}; only float32 (1) is supported");
        var dims = tensor.Shape?.Dim ?? throw new BlindSpotsException($"{path}: graph input '{input.Name}' has no shape");
        if (dims.Count < 2) throw new BlindSpotsException($"{path}: graph input '{input.Name}' has {dims.Count} dimensions; at least 2 (batch first) are needed");
        batch = dims[0].ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? (int)Math.Min(dims[0].DimValue, int.MaxValue) : -1;
        var shape = new int[dims.Count - 1];
        long total = 1;
        for (int i = 1; i < dims.Count; i++)
        {
            if (dims[i].ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue || dims[i].DimValue <= 0)
                throw new BlindSpotsException($"{path}: graph input '{input.Name}': dimension {i} must be a fixed positive size (only the batch may be symbolic)");
            total *= dims[i].DimValue;
            if (total > 1 << 26) throw new BlindSpotsException($"{path}: graph input '{input.Name}' has more than {1 << 26} values per example");
            shape[i - 1] = (int)dims[i].DimValue;
        }
        return shape;
    }

    /// <summary>The computed or constant value a node reads as input <paramref name="index"/>; a constant becomes a graph constant.</summary>
    private int Value(NodeProto node, int index)
    {
        if (index >= node.Input.Count || node.Input[index].Length == 0) throw Fail($"node {Describe(node)} ({node.OpType}) is missing input {index}");
        string name = node.Input[index];
        if (values.TryGetValue(name, out int v)) return v;
        var c = Constant(node, index);
        v = builder.Constant(Floats(node, c), c.Dims.Select(d => (int)d).ToArray());
        values[name] = v;
        return v;
    }

    /// <summary>A computed (not constant) input's value.</summary>
    private int Data(NodeProto node, int index)
    {
        int v = Value(node, index);
        if (builder.IsConstant(v)) throw Fail($"node {Describe(node)} ({node.OpType}): input {index} must be computed from the graph input, not a constant");
        return v;
    }

    private OnnxTensor Constant(NodeProto node, int index)
    {
        if (index >= node.Input.Count || node.Input[index].Length == 0) throw Fail($"node {Describe(node)} ({node.OpType}) is missing input {index}");
        return constants.TryGetValue(node.Input[index], out var t) ? t
            : throw Fail($"node {Describe(node)} ({node.OpType}): input '{node.Input[index]}' must be an initializer or a constant");
    }

    private bool HasInput(NodeProto node, int index) => index < node.Input.Count && node.Input[index].Length > 0;

    private float[] Floats(NodeProto node, OnnxTensor t) =>
        t.Floats ?? throw Fail($"node {Describe(node)} ({node.OpType}) needs a float constant, got integers");

    private long[] Ints(NodeProto node, OnnxTensor t) =>
        t.Ints ?? throw Fail($"node {Describe(node)} ({node.OpType}) needs an integer constant, got floats");

    private int Add(NodeProto node, ILayer layer, int input)
    {
        try
        {
            int v = builder.Add(Name(node), layer, input);
            writers[v] = layer;
            return v;
        }
        catch (BlindSpotsException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw Fail($"node {Describe(node)} ({node.OpType}): {e.Message}");
        }
    }

    private int Merge(NodeProto node, IMergeLayer layer, params int[] inputs)
    {
        try
        {
            return builder.Add(Name(node), layer, inputs);
        }
        catch (BlindSpotsException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw Fail($"node {Describe(node)} ({node.OpType}): {e.Message}");
        }
    }

    private static string Name(NodeProto node) => node.Name.Length > 0 ? node.Name : node.Output[0];

    private BlindSpotsException Unsupported(NodeProto node) =>
        Fail($"node {Describe(node)} has op type '{(node.Domain is "" or "ai.onnx" ? "" : node.Domain + ".")}{node.OpType}', which is not supported; supported: {SupportedOps}");

    private static string Describe(NodeProto node) =>
        node.Name.Length > 0 ? $"'{node.Name}'" : $"'{node.OpType}' (output '{node.Output.FirstOrDefault()}')";

    private BlindSpotsException Fail(string message) => new($"{path}: {message}");
}
