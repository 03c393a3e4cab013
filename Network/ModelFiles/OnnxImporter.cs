using IlgpuBlindSpots.Network.Layers;
using IlgpuBlindSpots.Network.Models;
using Onnx;

namespace IlgpuBlindSpots.Network.ModelFiles;

/// <summary>
/// Maps the graph of a feed-forward ONNX classifier onto the project's layers: a chain of nodes
/// from the one graph input to the one graph output. Constant sub-graphs (Constant nodes and
/// arithmetic on initializers only, as PyTorch emits for <c>1 / std</c>) are folded first;
/// element-wise Sub/Add/Mul/Div of the data by scalar or per-channel constants are gathered into
/// one <see cref="NormalizeLayer"/>; a trailing Softmax or LogSoftmax is dropped (the project's
/// models give logits, and softmax does not change which class wins). Each of these, and a flat
/// input read as a square image, is reported as a one-line notice naming the file.
/// </summary>
internal sealed class OnnxImporter
{
    public const string SupportedOps =
        "Gemm, MatMul (+Add), Conv, MaxPool, Relu, Sigmoid, Tanh, Flatten, Reshape, Dropout, Identity, " +
        "Sub/Add/Mul/Div by constants, trailing Softmax/LogSoftmax";

    /// <summary>The most values one example may have: far above any input this project handles.</summary>
    private const long MaxInputElements = 1L << 26;

    private static readonly HashSet<string> FoldableOps = ["Constant", "Reciprocal", "Neg", "Sqrt", "Identity", "Add", "Sub", "Mul", "Div"];

    private readonly string path;
    private readonly GraphProto graph;
    private readonly Dictionary<string, OnnxTensor> constants = new(StringComparer.Ordinal);
    private readonly List<LayerSpec> specs = [];
    private readonly List<(float[] Weight, float[] Bias)> weights = [];
    private readonly List<string> notices = [];
    private int[] shape = [];
    // The element-wise affine map y = a·x + b not yet emitted as a NormalizeLayer (one value, or one per channel).
    private double[]? affineA, affineB;
    // The nodes gathered into the pending normalisation, for its notice.
    private readonly List<NodeProto> affineNodes = [];
    // The fc layer a MatMul made, whose bias a following Add may give.
    private int matMulWaitingForBias = -1;

    private OnnxImporter(string path, GraphProto graph)
    {
        this.path = path;
        this.graph = graph;
    }

    public static (ArchitectureSpec Spec, int[] InputShape, List<(float[] Weight, float[] Bias)> Weights, List<string> Notices) Import(
        string path, ModelProto model)
    {
        var graph = model.Graph ?? throw new BlindSpotsException($"{path}: ONNX model has no graph");
        var opset = model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx")
            ?? throw new BlindSpotsException($"{path}: ONNX model imports no default-domain opset");
        if (opset.Version < 9 || opset.Version > 17)
            throw new BlindSpotsException($"{path}: ONNX opset {opset.Version} is not supported; opsets 9 to 17 are");
        var importer = new OnnxImporter(path, graph);
        var inputShape = importer.Run();
        return (ArchitectureSpec.FromLayers(importer.specs), inputShape, importer.weights, importer.notices);
    }

    private int[] Run()
    {
        foreach (var init in graph.Initializer)
            constants[init.Name] = OnnxTensor.Decode(init, m => Fail($"initializer '{init.Name}' {m}"));
        var dataNodes = FoldConstants();

        var inputs = graph.Input.Where(i => !constants.ContainsKey(i.Name)).ToList();
        if (inputs.Count != 1)
            throw Fail($"has {inputs.Count} graph inputs ({string.Join(", ", inputs.Select(i => $"'{i.Name}'"))}); a classifier must have exactly one");
        if (graph.Output.Count != 1)
            throw Fail($"has {graph.Output.Count} graph outputs; a classifier must have exactly one (the logits)");
        var modelInput = InputShape(inputs[0]);

        string current = inputs[0].Name;
        var byInput = new Dictionary<string, List<NodeProto>>(StringComparer.Ordinal);
        foreach (var node in dataNodes)
            foreach (string name in node.Input.Distinct())
                if (name.Length > 0 && !constants.ContainsKey(name))
                {
                    if (!byInput.TryGetValue(name, out var list)) byInput[name] = list = [];
                    list.Add(node);
                }
        var visited = new HashSet<NodeProto>();
        NodeProto? softmax = null;
        while (byInput.TryGetValue(current, out var consumers))
        {
            if (consumers.Count > 1)
                throw Fail($"value '{current}' feeds {consumers.Count} nodes ({string.Join(", ", consumers.Select(Describe))}); only a chain of layers is supported");
            var node = consumers[0];
            if (!visited.Add(node)) throw Fail($"node {Describe(node)} is part of a cycle");
            if (softmax != null)
                throw Fail($"node {Describe(node)} follows {Describe(softmax)}; Softmax/LogSoftmax is only supported as the last node");
            var other = node.Input.FirstOrDefault(n => n.Length > 0 && n != current && !constants.ContainsKey(n));
            if (other != null && !dataNodes.Any(n => n.Output.Contains(other)))
                throw Fail($"node {Describe(node)} ({node.OpType}): input '{other}' is neither an initializer nor a constant (missing initializer?)");
            if (other != null)
                throw Fail($"node {Describe(node)} takes a second computed input '{other}'; only one input per layer is supported");
            if (node.Output.Count == 0 || node.Output[0].Length == 0) throw Fail($"node {Describe(node)} has no output");
            if (Translate(node)) softmax = node;
            current = node.Output[0];
        }
        var unvisited = dataNodes.FirstOrDefault(n => !visited.Contains(n));
        if (unvisited != null)
            throw Fail($"node {Describe(unvisited)} is not on the chain from input '{inputs[0].Name}' to output '{graph.Output[0].Name}'");
        if (current != graph.Output[0].Name)
            throw Fail($"the chain from input '{inputs[0].Name}' ends at '{current}', not at the graph output '{graph.Output[0].Name}'");
        FlushAffine();
        if (specs.Count == 0 || specs[^1] is not FcSpec)
            throw Fail($"must end with a Gemm or MatMul giving the class logits (optionally then Softmax), ends with '{(specs.Count == 0 ? "nothing" : specs[^1])}'");
        return modelInput;
    }

    /// <summary>Evaluates every node whose inputs are all constants; returns the rest, in file order.</summary>
    private List<NodeProto> FoldConstants()
    {
        var rest = new List<NodeProto>();
        foreach (var node in graph.Node)
        {
            bool constant = (node.Domain is "" or "ai.onnx") && FoldableOps.Contains(node.OpType) &&
                            node.Input.All(n => n.Length == 0 || constants.ContainsKey(n)) && node.Output.Count >= 1;
            if (!constant)
            {
                rest.Add(node);
                continue;
            }
            constants[node.Output[0]] = Fold(node);
        }
        return rest;
    }

    private OnnxTensor Fold(NodeProto node)
    {
        if (node.OpType == "Constant") return OnnxTensor.OfConstantNode(node, Describe(node), Fail);
        var x = Constant(node, 0);
        if (node.OpType == "Identity") return x;
        var xf = Floats(node, x);
        if (node.Input.Count == 1)
            return new OnnxTensor(x.Dims, node.OpType switch
            {
                "Reciprocal" => xf.Select(v => 1f / v).ToArray(),
                "Neg" => xf.Select(v => -v).ToArray(),
                "Sqrt" => xf.Select(MathF.Sqrt).ToArray(),
                _ => throw Fail($"node {Describe(node)} ({node.OpType}) needs two inputs"),
            }, null);
        var y = Constant(node, 1);
        var yf = Floats(node, y);
        if (xf.Length != yf.Length && xf.Length != 1 && yf.Length != 1)
            throw Fail($"node {Describe(node)} ({node.OpType}) combines constants of shapes {x.ShapeText} and {y.ShapeText}; only equal shapes or a scalar are supported");
        var dims = xf.Length >= yf.Length ? x.Dims : y.Dims;
        var r = new float[Math.Max(xf.Length, yf.Length)];
        for (int i = 0; i < r.Length; i++)
        {
            float p = xf[xf.Length == 1 ? 0 : i], q = yf[yf.Length == 1 ? 0 : i];
            r[i] = node.OpType switch { "Add" => p + q, "Sub" => p - q, "Mul" => p * q, _ => p / q };
        }
        return new OnnxTensor(dims, r, null);
    }

    /// <summary>Turns one node of the chain into layers; returns whether it was a dropped Softmax.</summary>
    private bool Translate(NodeProto node)
    {
        if (node.Domain is not ("" or "ai.onnx"))
            throw Unsupported(node);
        if (node.OpType is not ("Add" or "Sub" or "Mul" or "Div")) FlushAffine();
        bool afterMatMul = matMulWaitingForBias >= 0;
        matMulWaitingForBias = -1;
        switch (node.OpType)
        {
            case "Gemm": Gemm(node); break;
            case "MatMul": MatMul(node); break;
            case "Add" when afterMatMul && TryBias(node): break;
            case "Add" or "Sub" or "Mul" or "Div": Affine(node); break;
            case "Conv": Conv(node); break;
            case "MaxPool": MaxPool(node); break;
            case "Relu": Add(new ActivationSpec(ActivationKind.Relu)); break;
            case "Sigmoid": Add(new ActivationSpec(ActivationKind.Sigmoid)); break;
            case "Tanh": Add(new ActivationSpec(ActivationKind.Tanh)); break;
            case "Flatten":
                if (Int(node, "axis", 1) != 1) throw Fail($"node {Describe(node)} (Flatten) has axis {Int(node, "axis", 1)}; only axis 1 (keep the batch) is supported");
                shape = [Features];
                break;
            case "Reshape": Reshape(node); break;
            case "Dropout" or "Identity": break;
            case "Softmax" or "LogSoftmax":
                if (shape.Length != 1) throw Fail($"node {Describe(node)} ({node.OpType}) is applied to a {shape.Length + 1}-D tensor; only to the logits");
                long axis = Int(node, "axis", 1);
                if (axis is not (1 or -1)) throw Fail($"node {Describe(node)} ({node.OpType}) has axis {axis}; only the class axis is supported");
                // Dropped: the project's models give logits and the attack's loss applies its own softmax.
                notices.Add($"{path}: trailing {node.OpType} {Describe(node)} dropped; the model gives logits, which the attack works on (softmax does not change which class wins)");
                return true;
            default: throw Unsupported(node);
        }
        return false;
    }

    private void Gemm(NodeProto node)
    {
        if (Int(node, "transA", 0) != 0) throw Fail($"node {Describe(node)} (Gemm) has transA 1; only transA 0 is supported");
        if (Float(node, "alpha", 1f) != 1f || Float(node, "beta", 1f) != 1f)
            throw Fail($"node {Describe(node)} (Gemm) has alpha {Float(node, "alpha", 1f)}, beta {Float(node, "beta", 1f)}; only 1 and 1 are supported");
        long transB = Int(node, "transB", 0);
        if (transB is not (0 or 1)) throw Fail($"node {Describe(node)} (Gemm) has transB {transB}");
        RequireFlat(node);
        var w = Constant(node, 1);
        if (w.Dims.Length != 2) throw Fail($"node {Describe(node)} (Gemm): weight '{node.Input[1]}' has shape {w.ShapeText}, not 2-D");
        int n = (int)(transB == 1 ? w.Dims[0] : w.Dims[1]), k = (int)(transB == 1 ? w.Dims[1] : w.Dims[0]);
        if (k != Features)
            throw Fail($"node {Describe(node)} (Gemm): weight '{node.Input[1]}' {w.ShapeText} takes {k} features but its input has {Features}");
        float[] weight = transB == 1 ? Floats(node, w) : OnnxTensor.TransposeMatrix(Floats(node, w), k, n);
        float[] bias = new float[n];
        if (node.Input.Count > 2 && node.Input[2].Length > 0)
        {
            var c = Constant(node, 2);
            var cf = Floats(node, c);
            if (cf.Length == 1) Array.Fill(bias, cf[0]);
            else if (cf.Length == n && c.TrimmedDims.Length == 1) bias = cf;
            else throw Fail($"node {Describe(node)} (Gemm): bias '{node.Input[2]}' has shape {c.ShapeText}, expected [{n}]");
        }
        AddFc(n, weight, bias);
    }

    private void MatMul(NodeProto node)
    {
        RequireFlat(node);
        if (node.Input.Count < 2 || !constants.ContainsKey(node.Input[1]))
            throw Fail($"node {Describe(node)} (MatMul): only x·W with a constant W is supported");
        var w = Constant(node, 1);
        if (w.Dims.Length != 2) throw Fail($"node {Describe(node)} (MatMul): weight '{node.Input[1]}' has shape {w.ShapeText}, not 2-D");
        int k = (int)w.Dims[0], n = (int)w.Dims[1];
        if (k != Features)
            throw Fail($"node {Describe(node)} (MatMul): weight '{node.Input[1]}' {w.ShapeText} takes {k} features but its input has {Features}");
        AddFc(n, OnnxTensor.TransposeMatrix(Floats(node, w), k, n), new float[n]);
        matMulWaitingForBias = weights.Count - 1;
    }

    private bool TryBias(NodeProto node)
    {
        int n = shape[0];
        var c = ConstantOperand(node);
        if (c.Count != n || c.TrimmedDims.Length != 1) return false;
        Array.Copy(Floats(node, c), weights[^1].Bias, n);
        return true;
    }

    private void Conv(NodeProto node)
    {
        RequireImage(node);
        if (Int(node, "group", 1) != 1) throw Fail($"node {Describe(node)} (Conv) has group {Int(node, "group", 1)}; only group 1 is supported");
        var w = Constant(node, 1);
        if (w.Dims.Length != 4) throw Fail($"node {Describe(node)} (Conv): weight '{node.Input[1]}' has shape {w.ShapeText}, not [O, C, KH, KW]");
        int o = (int)w.Dims[0], kh = (int)w.Dims[2], kw = (int)w.Dims[3];
        if (w.Dims[1] != shape[0])
            throw Fail($"node {Describe(node)} (Conv): weight '{node.Input[1]}' {w.ShapeText} takes {w.Dims[1]} channels but its input has {shape[0]}");
        if (o == 0 || kh == 0 || kw == 0) throw Fail($"node {Describe(node)} (Conv): weight '{node.Input[1]}' has an empty shape {w.ShapeText}");
        var kernel = Ints(node, "kernel_shape");
        if (kernel != null && !kernel.SequenceEqual([kh, kw]))
            throw Fail($"node {Describe(node)} (Conv): kernel_shape [{string.Join(", ", kernel)}] does not match weight {w.ShapeText}");
        var (stride, pad) = StrideAndPadding(node, "Conv");
        float[] bias = new float[o];
        if (node.Input.Count > 2 && node.Input[2].Length > 0)
        {
            var b = Constant(node, 2);
            if (b.Count != o) throw Fail($"node {Describe(node)} (Conv): bias '{node.Input[2]}' has shape {b.ShapeText}, expected [{o}]");
            bias = Floats(node, b);
        }
        RequireFits(node, kh, kw, pad);
        specs.Add(new ConvSpec(o, kh, kw, stride, pad));
        weights.Add((Floats(node, w), bias));
        shape = [o, (shape[1] + 2 * pad - kh) / stride + 1, (shape[2] + 2 * pad - kw) / stride + 1];
    }

    private void MaxPool(NodeProto node)
    {
        RequireImage(node);
        var kernel = Ints(node, "kernel_shape");
        if (kernel is not { Length: 2 } || kernel.Any(k => k < 1 || k > int.MaxValue))
            throw Fail($"node {Describe(node)} (MaxPool) needs a 2-D kernel_shape of positive sizes");
        if (Int(node, "ceil_mode", 0) != 0) throw Fail($"node {Describe(node)} (MaxPool) has ceil_mode 1; only floor (0) is supported");
        if (Int(node, "storage_order", 0) != 0) throw Fail($"node {Describe(node)} (MaxPool) has storage_order 1; only 0 is supported");
        int kh = (int)kernel[0], kw = (int)kernel[1];
        var (stride, pad) = StrideAndPadding(node, "MaxPool");
        if (2 * pad > Math.Min(kh, kw))
            throw Fail($"node {Describe(node)} (MaxPool) pads {pad} around a {kh}×{kw} window; padding may be at most half the window");
        RequireFits(node, kh, kw, pad);
        specs.Add(new MaxPoolSpec(kh, kw, stride, pad));
        weights.Add(([], []));
        shape = [shape[0], (shape[1] + 2 * pad - kh) / stride + 1, (shape[2] + 2 * pad - kw) / stride + 1];
    }

    private void Reshape(NodeProto node)
    {
        if (node.Input.Count < 2 || !constants.TryGetValue(node.Input[1], out var target) || target.Ints == null)
            throw Fail($"node {Describe(node)} (Reshape): only a constant int64 target shape is supported");
        var t = target.Ints;
        bool flattens = t.Length == 2 && (t[1] == -1 || t[1] == Features) && (t[0] is 0 or > 0 || (t[0] == -1 && t[1] == Features));
        if (!flattens)
            throw Fail($"node {Describe(node)} (Reshape) to [{string.Join(", ", t)}]; only a flatten to [batch, -1] is supported");
        shape = [Features];
    }

    /// <summary>x·a + b by a scalar or per-channel constant, composed onto the pending normalisation.</summary>
    private void Affine(NodeProto node)
    {
        var c = ConstantOperand(node);
        bool dataFirst = !constants.ContainsKey(node.Input[0]);
        float[] k = Floats(node, c);
        int channels = shape.Length == 3 ? shape[0] : 1;
        var trimmed = c.TrimmedDims;
        bool perChannel = shape.Length == 3 && k.Length == channels && channels > 1 &&
                          trimmed.Length == 3 && trimmed[1] == 1 && trimmed[2] == 1 && c.Dims.Length <= 4;
        if (k.Length != 1 && !perChannel)
            throw Fail($"node {Describe(node)} ({node.OpType}) by a constant of shape {c.ShapeText} on a [batch, {string.Join(", ", shape)}] tensor: only a scalar or a per-channel [C, 1, 1] constant is supported (input normalisation)");
        if (node.OpType == "Div" && !dataFirst)
            throw Fail($"node {Describe(node)} (Div) divides a constant by the data; only data / constant is supported");
        int len = Math.Max(k.Length, affineA?.Length ?? 1);
        var a = new double[len];
        var b = new double[len];
        for (int i = 0; i < len; i++)
        {
            double ai = affineA == null ? 1 : affineA[affineA.Length == 1 ? 0 : i];
            double bi = affineB == null ? 0 : affineB[affineB.Length == 1 ? 0 : i];
            double ki = k[k.Length == 1 ? 0 : i];
            (a[i], b[i]) = node.OpType switch
            {
                "Add" => (ai, bi + ki),
                "Sub" when dataFirst => (ai, bi - ki),
                "Sub" => (-ai, ki - bi),
                "Mul" => (ai * ki, bi * ki),
                _ => (ai / ki, bi / ki),
            };
        }
        affineA = a;
        affineB = b;
        affineNodes.Add(node);
    }

    private void FlushAffine()
    {
        if (affineA == null || affineB == null) return;
        var a = affineA;
        var b = affineB;
        affineA = affineB = null;
        if (a.Any(v => v == 0 || !double.IsFinite(v)) || b.Any(v => !double.IsFinite(v)))
            throw Fail("has an input normalisation that multiplies by zero or by a non-finite number");
        // y = a·x + b = (x − mean)/std with std = 1/a and mean = −b/a.
        float[] stds = a.Select(v => (float)(1 / v)).ToArray();
        float[] means = a.Zip(b, (ai, bi) => (float)(-bi / ai)).ToArray();
        var spec = new NormalizeSpec(means, stds);
        Add(spec);
        notices.Add($"{path}: input normalisation {string.Join(", ", affineNodes.Select(n => $"{n.OpType} {Describe(n)}"))} mapped to a {spec} layer; attacks still work on pixels in [0, 1]");
        affineNodes.Clear();
    }

    private void Add(LayerSpec spec)
    {
        specs.Add(spec);
        weights.Add(([], []));
    }

    private void AddFc(int n, float[] weight, float[] bias)
    {
        if (n <= 0) throw Fail($"has a fully connected layer with {n} outputs");
        specs.Add(new FcSpec(n));
        weights.Add((weight, bias));
        shape = [n];
    }

    private int[] InputShape(ValueInfoProto input)
    {
        var tensor = input.Type?.TensorType ?? throw Fail($"graph input '{input.Name}' is not a tensor");
        if (tensor.ElemType != 1) throw Fail($"graph input '{input.Name}' has element type {tensor.ElemType}; only float32 (1) is supported");
        var dims = tensor.Shape?.Dim ?? throw Fail($"graph input '{input.Name}' has no shape");
        if (dims.Count is not (2 or 4))
            throw Fail($"graph input '{input.Name}' has {dims.Count} dimensions; expected [batch, features] or [batch, C, H, W]");
        var sizes = new long[dims.Count - 1];
        long total = 1;
        for (int i = 1; i < dims.Count; i++)
        {
            if (dims[i].ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue || dims[i].DimValue <= 0 || dims[i].DimValue > MaxInputElements)
                throw Fail($"graph input '{input.Name}': dimension {i} must be a fixed positive size (only the batch may be symbolic)");
            sizes[i - 1] = dims[i].DimValue;
            total *= sizes[i - 1];
            if (total > MaxInputElements) throw Fail($"graph input '{input.Name}' has more than {MaxInputElements} values per example");
        }
        if (sizes.Length == 3)
        {
            shape = [(int)sizes[0], (int)sizes[1], (int)sizes[2]];
            return (int[])shape.Clone();
        }
        int f = (int)sizes[0];
        shape = [f];
        // A flat input of a square number of values is taken as a one-channel square image (784 → 1×28×28), so
        // it meets image data sets and the attack's pictures; otherwise it is one row.
        int side = (int)Math.Round(Math.Sqrt(f));
        if (side * side != f) return [1, 1, f];
        notices.Add($"{path}: flat input '{input.Name}' of {f} values read as 1x{side}x{side} images");
        return [1, side, side];
    }

    private (int Stride, int Pad) StrideAndPadding(NodeProto node, string op)
    {
        string autoPad = node.Attribute.FirstOrDefault(a => a.Name == "auto_pad")?.S.ToStringUtf8() ?? "NOTSET";
        if (autoPad is not ("NOTSET" or "VALID" or ""))
            throw Fail($"node {Describe(node)} ({op}) has auto_pad {autoPad}; only explicit pads are supported");
        var dilations = Ints(node, "dilations");
        if (dilations != null && dilations.Any(d => d != 1)) throw Fail($"node {Describe(node)} ({op}) has dilations [{string.Join(", ", dilations)}]; only 1 is supported");
        var strides = Ints(node, "strides") ?? [1, 1];
        var pads = Ints(node, "pads") ?? [0, 0, 0, 0];
        if (strides.Length != 2 || strides[0] != strides[1] || strides[0] < 1 || strides[0] > 1 << 16)
            throw Fail($"node {Describe(node)} ({op}) has strides [{string.Join(", ", strides)}]; only one positive stride for both axes is supported");
        if (pads.Length != 4 || pads.Distinct().Count() != 1 || pads[0] < 0 || pads[0] > 1 << 16)
            throw Fail($"node {Describe(node)} ({op}) has pads [{string.Join(", ", pads)}]; only equal non-negative padding on all four sides is supported");
        return ((int)strides[0], (int)pads[0]);
    }

    private void RequireFits(NodeProto node, int kh, int kw, int pad)
    {
        if (shape[1] + 2 * pad < kh || shape[2] + 2 * pad < kw)
            throw Fail($"node {Describe(node)} ({node.OpType}): a {kh}×{kw} kernel does not fit its {shape[1]}×{shape[2]} input padded by {pad}");
    }

    private void RequireFlat(NodeProto node)
    {
        if (shape.Length != 1)
            throw Fail($"node {Describe(node)} ({node.OpType}) gets a [batch, {string.Join(", ", shape)}] tensor; it needs [batch, features] (a Flatten first)");
    }

    private void RequireImage(NodeProto node)
    {
        if (shape.Length != 3)
            throw Fail($"node {Describe(node)} ({node.OpType}) gets a [batch, {string.Join(", ", shape)}] tensor; it needs [batch, C, H, W]");
    }

    private int Features => shape.Aggregate(1, (a, b) => a * b);

    private OnnxTensor ConstantOperand(NodeProto node)
    {
        var names = node.Input.Where(constants.ContainsKey).ToList();
        if (node.Input.Count != 2 || names.Count != 1)
            throw Fail($"node {Describe(node)} ({node.OpType}): only the data combined with one constant is supported");
        return constants[names[0]];
    }

    private OnnxTensor Constant(NodeProto node, int index)
    {
        if (index >= node.Input.Count || node.Input[index].Length == 0)
            throw Fail($"node {Describe(node)} ({node.OpType}) is missing input {index}");
        return constants.TryGetValue(node.Input[index], out var t) ? t
            : throw Fail($"node {Describe(node)} ({node.OpType}): input '{node.Input[index]}' is neither an initializer nor a constant (missing initializer?)");
    }

    /// <summary>A float constant a layer takes its weights from: a NaN or infinite value is refused, as safetensors refuses it.</summary>
    private float[] Floats(NodeProto node, OnnxTensor t)
    {
        var values = t.Floats ?? throw Fail($"node {Describe(node)} ({node.OpType}) needs a float constant, got integers");
        int bad = Array.FindIndex(values, v => !float.IsFinite(v));
        return bad < 0 ? values
            : throw Fail($"node {Describe(node)} ({node.OpType}): a constant holds {(float.IsNaN(values[bad]) ? "NaN" : values[bad] > 0 ? "+Inf" : "-Inf")} at index {bad}");
    }

    private static long Int(NodeProto node, string name, long fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name)?.I ?? fallback;

    private static float Float(NodeProto node, string name, float fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name)?.F ?? fallback;

    private static long[]? Ints(NodeProto node, string name) =>
        node.Attribute.FirstOrDefault(a => a.Name == name)?.Ints.ToArray();

    private BlindSpotsException Unsupported(NodeProto node) =>
        Fail($"node {Describe(node)} has op type '{(node.Domain is "" or "ai.onnx" ? "" : node.Domain + ".")}{node.OpType}', which is not supported; supported: {SupportedOps}");

    private static string Describe(NodeProto node) =>
        node.Name.Length > 0 ? $"'{node.Name}'" : $"'{node.OpType}' (output '{node.Output.FirstOrDefault()}')";

    private BlindSpotsException Fail(string message) => new($"{path}: {message}");
}
