using System.Globalization;
using System.Text.Json;
using IlgpuBlindSpots.Kernels;
using IlgpuBlindSpots.Network.Layers;
using IlgpuBlindSpots.Network.Models;

namespace IlgpuBlindSpots.Network.ModelFiles;

/// <summary>
/// A <see cref="GraphModel"/> in the project's safetensors model files: metadata <c>graph</c> holds
/// the nodes as JSON (<see cref="GraphNodeRecord"/>), <c>input</c> the per-example input shape
/// (e.g. <c>3x32x32</c>); tensors are the parameters under their names and the constants as <c>const.N</c>.
/// </summary>
public static class GraphModelFile
{
    /// <summary>Metadata key of the node list.</summary>
    public const string GraphKey = "graph";

    /// <summary>The metadata entries and tensors that describe <paramref name="model"/>.</summary>
    public static (Dictionary<string, string> Metadata, List<NamedTensor> Tensors) Describe(GraphModel model)
    {
        var records = model.Nodes.Select(Record).ToList();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [GraphKey] = JsonSerializer.Serialize(records),
            [ModelFile.InputKey] = string.Join("x", model.InputShape),
            ["output"] = model.OutputValue.ToString(CultureInfo.InvariantCulture),
        };
        var tensors = model.Parameters.Select(p => new NamedTensor(p.Name, p.Value.Shape.ToArray(), p.Value.ToArray())).ToList();
        tensors.AddRange(model.Constants.Select(c => new NamedTensor($"const.{c.Key}", c.Value.Shape.ToArray(), c.Value.ToArray())));
        return (metadata, tensors);
    }

    private static GraphNodeRecord Record(GraphNode node)
    {
        int[] inputs = node.Inputs.ToArray();
        GraphNodeRecord R(string op, int[]? ints = null, float[]? floats = null) =>
            new() { Name = node.Name, Op = op, Inputs = inputs, Output = node.Output, Ints = ints ?? [], Floats = floats ?? [] };
        return ((object?)node.Layer ?? node.Merge) switch
        {
            Conv2dLayer c => R("conv", [c.Filters, c.KernelHeight, c.KernelWidth, c.Stride, c.Padding]),
            GroupedConv2dLayer g => R("gconv", [g.Weight.Value.Shape[0], g.Groups, .. Ints(g.Window)]),
            DenseLayer d => R("dense", [d.OutFeatures]),
            ActivationLayer a => R(a.Spec),
            PointwiseLayer p => R("pointwise:" + p.Name, [p.Op], [p.A, p.B]),
            WindowPoolLayer w => R(w.IsMax ? "maxpool" : "avgpool", [.. Ints(w.Window), w.CountIncludePad ? 1 : 0]),
            ChannelAffineLayer => R("affine"),
            PadLayer p => R("pad", [p.Pads.Top, p.Pads.Left, p.Pads.Bottom, p.Pads.Right], [p.Value]),
            SoftmaxLayer s => R("softmax", [s.RowLength, s.IsLog ? 1 : 0]),
            ReshapeLayer r => R("reshape", r.OutputShape([])),
            TransposeLayer t => R("transpose", [.. t.Permutation]),
            LayerNormLayer l => R("layernorm", [l.Axis], [l.Epsilon]),
            ReduceMeanLayer m => R("reducemean", [m.KeepDims ? 1 : 0, .. m.Axes]),
            BroadcastLayer b => R(b.Spec),
            ConcatLayer c => R("concat", [c.Axis]),
            _ => throw new BlindSpotsException($"graph node '{node.Name}' ({node.Spec}) has no model-file form"),
        };
    }

    private static int[] Ints(Window2d w) =>
        [w.KernelH, w.KernelW, w.StrideH, w.StrideW, w.DilationH, w.DilationW, w.PadTop, w.PadLeft, w.PadBottom, w.PadRight, w.OutH, w.OutW];

    /// <summary>Rebuilds the graph a model file describes and loads its tensors, each checked by name and shape.</summary>
    /// <exception cref="BlindSpotsException">The metadata or a tensor is malformed; the message names the file.</exception>
    public static GraphModel Load(ComputeDevice device, SafetensorsFile file, string? ignorePrefix = null)
    {
        string path = file.Path;
        List<GraphNodeRecord> records;
        try
        {
            records = JsonSerializer.Deserialize<List<GraphNodeRecord>>(file.Metadata[GraphKey]) ?? [];
        }
        catch (JsonException e)
        {
            throw new BlindSpotsException($"{path}: metadata 'graph' is not a node list: {e.Message}", e);
        }
        var input = ParseShape(path, file.Metadata.GetValueOrDefault(ModelFile.InputKey));
        if (!int.TryParse(file.Metadata.GetValueOrDefault("output"), NumberStyles.None, CultureInfo.InvariantCulture, out int output))
            throw new BlindSpotsException($"{path}: metadata 'output' is missing or not a value index");
        var tensors = file.Tensors.Where(t => ignorePrefix == null || !t.Name.StartsWith(ignorePrefix, StringComparison.Ordinal))
            .ToDictionary(t => t.Name, StringComparer.Ordinal);
        try
        {
            using var builder = new GraphBuilder(device, input);
            var ids = new Dictionary<int, int> { [0] = builder.Input };
            foreach (var r in records) ids[r.Output] = GraphNodeBuilder.Add(builder, r, Inputs(r, ids, tensors, builder, path), tensors, path);
            if (!ids.TryGetValue(output, out int last)) throw new BlindSpotsException($"metadata 'output' {output} is no node's value");
            var model = builder.Build(last);
            if (model.Parameters.Count + model.Constants.Count != tensors.Count)
            {
                model.Dispose();
                throw new BlindSpotsException($"holds {tensors.Count} tensors but the graph has {model.Parameters.Count} parameters and {model.Constants.Count} constants");
            }
            return model;
        }
        catch (BlindSpotsException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new BlindSpotsException($"{path}: {e.Message}", e);
        }
    }

    private static int[] Inputs(GraphNodeRecord r, Dictionary<int, int> ids, Dictionary<string, NamedTensor> tensors, GraphBuilder builder, string path)
    {
        var result = new int[r.Inputs.Length];
        for (int i = 0; i < result.Length; i++)
        {
            int v = r.Inputs[i];
            if (ids.TryGetValue(v, out int mapped))
            {
                result[i] = mapped;
                continue;
            }
            if (!tensors.TryGetValue($"const.{v}", out var c))
                throw new BlindSpotsException($"{path}: node '{r.Name}' reads value {v}, which neither an earlier node nor a tensor 'const.{v}' gives");
            result[i] = ids[v] = builder.Constant(c.Data, c.Shape);
        }
        return result;
    }

    private static int[] ParseShape(string path, string? text)
    {
        var parts = (text ?? "").Split('x');
        var shape = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out shape[i]) || shape[i] <= 0)
                throw new BlindSpotsException($"{path}: metadata 'input' is '{text}', not sizes joined by x (e.g. 3x32x32)");
        if (shape.Aggregate(1L, (a, b) => a * b) > 1 << 26) throw new BlindSpotsException($"{path}: metadata 'input' '{text}' is too large");
        return shape;
    }
}
