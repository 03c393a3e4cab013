using ILGPU;
using IlgpuBlindSpots.Kernels;
using IlgpuBlindSpots.Network.Layers;

namespace IlgpuBlindSpots.Network.Models;

/// <summary>
/// A model whose layers form a directed acyclic graph with one input and one output (residual
/// additions, concatenated branches, squeeze-excitation products), run on the device in
/// topological order. A value read by several nodes gets the sum of their gradients
/// (<see cref="BlockCopy.Accumulate"/>). The layers' buffers are lent by the model's
/// <see cref="ActivationPool"/>: a value's memory goes back to it once the last node reading it has
/// run, unless the backward pass announced to <see cref="Forward(Tensor, bool, BackwardUse)"/> reads
/// it; a gradient's once its producer's backward has run. Built by <see cref="GraphBuilder"/>.
/// </summary>
public sealed class GraphModel : Model
{
    private readonly List<GraphNode> nodes;
    private readonly Dictionary<int, Tensor> constants;
    private readonly int outputValue;
    private readonly int[] uses;
    private readonly Tensor?[] values, gradients;
    private readonly bool[] held;
    private readonly LayerBuffer[] sums;
    private readonly List<ILayer> layers;
    private readonly List<Parameter> parameters;
    private readonly ValueLifetimes lifetimes;
    private readonly int[] fusedInto;
    private readonly bool[] adopts;
    private readonly ActivationPool pool = new();
    private readonly HeldMemory memory;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>> accumulate;
    private BackwardUse lastUse = BackwardUse.None;

    internal GraphModel(ComputeDevice device, int[] inputShape, int[] outputShape, List<GraphNode> nodes, Dictionary<int, Tensor> constants, int valueCount, int outputValue)
        : base(device, inputShape, outputShape)
    {
        this.nodes = nodes;
        this.constants = constants;
        this.outputValue = outputValue;
        lifetimes = new ValueLifetimes(nodes, valueCount, outputValue);
        fusedInto = ReluFusion.ForGraph(nodes, lifetimes, outputValue);
        adopts = new bool[nodes.Count];
        foreach (int j in fusedInto) if (j >= 0) adopts[j] = true;
        uses = lifetimes.Readers.ToArray();
        uses[outputValue]++;
        values = new Tensor?[valueCount];
        gradients = new Tensor?[valueCount];
        held = new bool[valueCount];
        sums = Enumerable.Range(0, valueCount).Select(_ => new LayerBuffer()).ToArray();
        layers = nodes.Where(n => n.Layer != null).Select(n => n.Layer!).ToList();
        parameters = layers.SelectMany(l => l.Parameters).ToList();
        memory = new HeldMemory(pool);
        accumulate = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>>(BlockCopy.Accumulate);
    }

    /// <summary>
    /// Whether values no later step reads go back to the pool (the default). Off, every layer keeps
    /// its buffers from pass to pass, one per layer output and input gradient: for measuring what freeing saves.
    /// </summary>
    public bool FreesActivations { get; set; } = true;
    /// <summary>Bytes of device memory the layers' buffers occupy: all the pool has allocated.</summary>
    public long ActivationBytes => pool.AllocatedBytes;
    /// <summary>The most bytes of layer buffers in use at once, over the passes so far.</summary>
    public long PeakActivationBytes => pool.PeakLentBytes;
    /// <summary>The values whose memory the last pass still holds (kept for a backward pass, or the output).</summary>
    public IReadOnlyList<int> HeldValues => Enumerable.Range(0, held.Length).Where(v => held[v]).ToList();

    /// <inheritdoc/>
    public override int FusedPairs => fusedInto.Count(j => j >= 0);
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
    /// <remarks>Keeps what a backward pass with parameter gradients reads.</remarks>
    public override Tensor Forward(Tensor input, bool training) => Forward(input, training, BackwardUse.Parameters);

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, bool training, BackwardUse then)
    {
        var x = Shaped(input);
        if (FreesActivations) memory.Restart(keep: x);
        Array.Clear(values);
        Array.Clear(held);
        lastUse = then;
        var unread = lifetimes.Readers.ToArray();
        values[0] = x;
        foreach (var (v, t) in constants) values[v] = t;
        using var lending = pool.Lend();
        for (int i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
            var y = values[node.Output] = Run(i, training);
            if (!FreesActivations) continue;
            KeepIfLive(node.Output, y, unread, then);
            foreach (int v in node.Inputs) unread[v]--;
            foreach (int v in node.Inputs.Distinct())
                if (unread[v] == 0 && !lifetimes.Kept(v, then) && held[v]) Free(v);
        }
        return values[outputValue]!;
    }

    /// <summary>
    /// Runs node <paramref name="i"/> on its inputs' values. A product fused with its ReLU stores the
    /// activated output as its value, which only that ReLU reads; the ReLU then takes it as its own.
    /// </summary>
    private Tensor Run(int i, bool training)
    {
        var node = nodes[i];
        if (node.Layer is null) return node.Merge!.Forward(node.Inputs.Select(v => values[v]!).ToList());
        var x = values[node.Inputs[0]]!;
        if (FusesActivations && fusedInto[i] >= 0) return ((IReluFusable)node.Layer).ForwardRelu(x, training);
        if (FusesActivations && adopts[i]) return ((ActivationLayer)node.Layer).Adopt(x);
        return node.Layer.Forward(x, training);
    }

    /// <summary>Counts a value just written as a holder of its memory while it is still to be read or kept, else gives the memory back.</summary>
    private void KeepIfLive(int value, Tensor y, int[] unread, BackwardUse then)
    {
        if (unread[value] > 0 || lifetimes.Kept(value, then))
        {
            memory.Hold(y);
            held[value] = pool.Holds(y);
        }
        else memory.DropIfUnheld(y);
    }

    private void Free(int value)
    {
        held[value] = false;
        memory.Drop(values[value]!);
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The forward pass announced no such backward pass and freed what it reads.</exception>
    public override Tensor Backward(Tensor outputGradient, bool parameterGradients)
    {
        if (FreesActivations && (lastUse == BackwardUse.None || (parameterGradients && lastUse == BackwardUse.Input)))
            throw new InvalidOperationException($"backward pass{(parameterGradients ? " with parameter gradients" : "")} after a forward pass for {lastUse}: its activations were freed");
        Array.Clear(gradients);
        using var lending = pool.Lend();
        AddGradient(outputValue, outputGradient);
        for (int i = nodes.Count - 1; i >= 0; i--)
        {
            var node = nodes[i];
            var g = gradients[node.Output];
            if (g == null) continue;
            if (node.Layer != null) AddGradient(node.Inputs[0], node.Layer.Backward(g, parameterGradients));
            else
            {
                var inputGradients = node.Merge!.Backward(g);
                for (int k = 0; k < node.Inputs.Count; k++) AddGradient(node.Inputs[k], inputGradients[k]);
            }
            if (FreesActivations) memory.Drop(g);
        }
        return gradients[0] ?? throw new InvalidOperationException("the graph's input feeds no node");
    }

    /// <summary>Adds one reader's gradient to a value's: the tensor itself when it has one reader, else summed in the value's own buffer.</summary>
    private void AddGradient(int value, Tensor gradient)
    {
        if (constants.ContainsKey(value))
        {
            if (FreesActivations) memory.DropIfUnheld(gradient);
            return;
        }
        if (uses[value] == 1)
        {
            gradients[value] = gradient;
            if (FreesActivations) memory.Hold(gradient);
            return;
        }
        var sum = gradients[value];
        if (sum == null)
        {
            sum = sums[value].Get(Device, gradient.Shape.ToArray());
            sum.CopyFrom(gradient);
            gradients[value] = sum;
            if (FreesActivations) memory.Hold(sum);
        }
        else
        {
            var s = Device.Split(sum.Length);
            accumulate(s.Threads, s, gradient.View, sum.View);
        }
        if (FreesActivations) memory.DropIfUnheld(gradient);
    }

    /// <inheritdoc/>
    protected override void DisposeLayers()
    {
        foreach (var n in nodes) n.Dispose();
        foreach (var c in constants.Values) c.Dispose();
        foreach (var s in sums) s.Dispose();
        pool.Dispose();
    }
}
