using ILGPU;
using IlgpuBlindSpots.Kernels;
using IlgpuBlindSpots.Network.Layers;

namespace IlgpuBlindSpots.Network.Models;

/// <summary>
/// A model whose layers form a directed acyclic graph with one input and one output (residual
/// additions, concatenated branches, squeeze-excitation products), run on the device in
/// topological order. A value read by several nodes gets the sum of their gradients
/// (<see cref="BlockCopy.Accumulate"/>). Each layer keeps the activations its backward pass needs
/// in its own buffers, reused from batch to batch. Built by <see cref="GraphBuilder"/>.
/// </summary>
public sealed class GraphModel : Model
{
    private readonly List<GraphNode> nodes;
    private readonly Dictionary<int, Tensor> constants;
    private readonly int outputValue;
    private readonly int[] uses;
    private readonly Tensor?[] values, gradients;
    private readonly LayerBuffer[] sums;
    private readonly List<ILayer> layers;
    private readonly List<Parameter> parameters;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>> accumulate;

    internal GraphModel(ComputeDevice device, int[] inputShape, int[] outputShape, List<GraphNode> nodes, Dictionary<int, Tensor> constants, int valueCount, int outputValue)
        : base(device, inputShape, outputShape)
    {
        this.nodes = nodes;
        this.constants = constants;
        this.outputValue = outputValue;
        uses = new int[valueCount];
        foreach (var n in nodes)
            foreach (int v in n.Inputs) uses[v]++;
        uses[outputValue]++;
        values = new Tensor?[valueCount];
        gradients = new Tensor?[valueCount];
        sums = Enumerable.Range(0, valueCount).Select(_ => new LayerBuffer()).ToArray();
        layers = nodes.Where(n => n.Layer != null).Select(n => n.Layer!).ToList();
        parameters = layers.SelectMany(l => l.Parameters).ToList();
        accumulate = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>>(BlockCopy.Accumulate);
    }

    /// <summary>The nodes in the order a forward pass runs them.</summary>
    public IReadOnlyList<GraphNode> Nodes => nodes;
    /// <summary>The one-input layers in run order (the merges have no parameters).</summary>
    public override IReadOnlyList<ILayer> Layers => layers;
    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => parameters;
    /// <summary>The index of the value the model outputs.</summary>
    public int OutputValue => outputValue;
    /// <summary>The constant operands of merges, by value index.</summary>
    public IReadOnlyDictionary<int, Tensor> Constants => constants;

    /// <inheritdoc/>
    public override string Description =>
        $"graph of {nodes.Count} nodes ({string.Join(", ", nodes.GroupBy(n => n.Spec.Split(':')[0]).Select(g => $"{g.Key}×{g.Count()}"))})";

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, bool training)
    {
        Array.Clear(values);
        values[0] = Shaped(input);
        foreach (var (v, t) in constants) values[v] = t;
        foreach (var node in nodes)
            values[node.Output] = node.Layer != null
                ? node.Layer.Forward(values[node.Inputs[0]]!, training)
                : node.Merge!.Forward(node.Inputs.Select(v => values[v]!).ToList());
        return values[outputValue]!;
    }

    /// <inheritdoc/>
    public override Tensor Backward(Tensor outputGradient, bool parameterGradients)
    {
        Array.Clear(gradients);
        AddGradient(outputValue, outputGradient);
        for (int i = nodes.Count - 1; i >= 0; i--)
        {
            var node = nodes[i];
            var g = gradients[node.Output];
            if (g == null) continue;
            if (node.Layer != null)
            {
                AddGradient(node.Inputs[0], node.Layer.Backward(g, parameterGradients));
                continue;
            }
            var inputGradients = node.Merge!.Backward(g);
            for (int k = 0; k < node.Inputs.Count; k++) AddGradient(node.Inputs[k], inputGradients[k]);
        }
        return gradients[0] ?? throw new InvalidOperationException("the graph's input feeds no node");
    }

    /// <summary>Adds one reader's gradient to a value's: the tensor itself when it has one reader, else summed in the value's own buffer.</summary>
    private void AddGradient(int value, Tensor gradient)
    {
        if (constants.ContainsKey(value)) return;
        if (uses[value] == 1)
        {
            gradients[value] = gradient;
            return;
        }
        var sum = gradients[value];
        if (sum == null)
        {
            sum = sums[value].Get(Device, gradient.Shape.ToArray());
            sum.CopyFrom(gradient);
            gradients[value] = sum;
            return;
        }
        var s = Device.Split(sum.Length);
        accumulate(s.Threads, s, gradient.View, sum.View);
    }

    /// <inheritdoc/>
    protected override void DisposeLayers()
    {
        foreach (var n in nodes) n.Dispose();
        foreach (var c in constants.Values) c.Dispose();
        foreach (var s in sums) s.Dispose();
    }
}
