using IlgpuBlindSpots.Network.Layers;

namespace IlgpuBlindSpots.Network.Models;

/// <summary>
/// Assembles a <see cref="GraphModel"/> node by node in topological order, tracking each value's
/// full shape (batch axis first, taken as 1; a constant has its own shape and no batch axis).
/// Layers added belong to the builder until <see cref="Build"/> hands them to the model; disposing
/// an unbuilt builder frees them.
/// </summary>
public sealed class GraphBuilder : IDisposable
{
    private readonly List<GraphNode> nodes = [];
    private readonly Dictionary<int, Tensor> constants = [];
    private readonly List<int[]> shapes = [];
    private readonly int[] inputShape;
    private bool built;

    /// <summary>A graph on <paramref name="device"/> whose input has per-example shape <paramref name="inputShape"/> (value 0).</summary>
    public GraphBuilder(ComputeDevice device, int[] inputShape)
    {
        Device = device;
        this.inputShape = (int[])inputShape.Clone();
        shapes.Add([1, .. inputShape]);
    }

    /// <summary>The device the layers live on.</summary>
    public ComputeDevice Device { get; }
    /// <summary>The input value.</summary>
    public int Input => 0;

    /// <summary>Whether a value is a constant operand (no batch axis).</summary>
    public bool IsConstant(int value) => constants.ContainsKey(value);

    /// <summary>A value's full shape: [1, ..per-example] for computed values, its own dims for constants.</summary>
    public int[] Shape(int value) => (int[])shapes[value].Clone();

    /// <summary>A computed value's per-example shape.</summary>
    public int[] ExampleShape(int value) => shapes[value][1..];

    /// <summary>Adds a constant operand of the given dims.</summary>
    public int Constant(float[] data, int[] dims)
    {
        constants[shapes.Count] = Tensor.FromArray(Device, data, dims.Length == 0 ? [1] : dims);
        shapes.Add(dims.Length == 0 ? [1] : (int[])dims.Clone());
        return shapes.Count - 1;
    }

    /// <summary>Adds a one-input node reading <paramref name="input"/> and returns the value it writes.</summary>
    public int Add(string name, ILayer layer, int input)
    {
        try
        {
            if (IsConstant(input)) throw new BlindSpotsException($"node '{name}' ({layer.Spec}) reads only constants");
            var output = layer.OutputShape(ExampleShape(input));
            nodes.Add(new GraphNode(name, layer, null, [input], shapes.Count));
            shapes.Add([1, .. output]);
            return shapes.Count - 1;
        }
        catch
        {
            if (nodes.Count == 0 || nodes[^1].Layer != layer) layer.Dispose();
            throw;
        }
    }

    /// <summary>Adds a several-input node and returns the value it writes.</summary>
    public int Add(string name, IMergeLayer layer, params int[] inputs)
    {
        try
        {
            if (inputs.All(IsConstant)) throw new BlindSpotsException($"node '{name}' ({layer.Spec}) reads only constants");
            var full = layer.OutputShape(inputs.Select(v => shapes[v]).ToList());
            foreach (int v in inputs.Where(IsConstant))
                if (shapes[v].Length >= full.Length && shapes[v][shapes[v].Length - full.Length] != 1)
                    throw new BlindSpotsException($"node '{name}' ({layer.Spec}): constant of shape {Tensor.Format(shapes[v])} would broadcast along the batch axis");
            if (full.Length == 0 || full[0] != 1)
                throw new BlindSpotsException($"node '{name}' ({layer.Spec}): output shape {Tensor.Format(full)} does not keep the batch axis");
            nodes.Add(new GraphNode(name, null, layer, inputs, shapes.Count));
            shapes.Add(full);
            return shapes.Count - 1;
        }
        catch
        {
            if (nodes.Count == 0 || nodes[^1].Merge != layer) layer.Dispose();
            throw;
        }
    }

    /// <summary>The model whose output is <paramref name="output"/>; nodes that do not lead to it are dropped (and freed).</summary>
    public GraphModel Build(int output)
    {
        if (IsConstant(output))
            throw new BlindSpotsException("the graph output is a constant, not computed from its input");
        var needed = new bool[shapes.Count];
        needed[output] = true;
        var kept = new List<GraphNode>();
        for (int i = nodes.Count - 1; i >= 0; i--)
        {
            var n = nodes[i];
            if (!needed[n.Output])
            {
                n.Dispose();
                continue;
            }
            foreach (int v in n.Inputs) needed[v] = true;
            kept.Add(n);
        }
        kept.Reverse();
        var usedConstants = constants.Where(c => needed[c.Key]).ToDictionary(c => c.Key, c => c.Value);
        foreach (var c in constants.Where(c => !needed[c.Key])) c.Value.Dispose();
        built = true;
        return new GraphModel(Device, inputShape, ExampleShape(output), kept, usedConstants, shapes.Count, output);
    }

    /// <summary>Frees the layers and constants of a builder that built nothing.</summary>
    public void Dispose()
    {
        if (built) return;
        foreach (var n in nodes) n.Dispose();
        foreach (var c in constants.Values) c.Dispose();
        built = true;
    }
}
