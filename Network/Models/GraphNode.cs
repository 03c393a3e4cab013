using IlgpuBlindSpots.Network.Layers;

namespace IlgpuBlindSpots.Network.Models;

/// <summary>
/// One node of a <see cref="GraphModel"/>: a layer with one input (<see cref="Layer"/>) or several
/// (<see cref="Merge"/>), the values it reads and the value it writes (indices into the model's values; 0 is the input).
/// </summary>
public sealed class GraphNode
{
    internal GraphNode(string name, ILayer? layer, IMergeLayer? merge, int[] inputs, int output)
    {
        Name = name;
        Layer = layer;
        Merge = merge;
        Inputs = inputs;
        Output = output;
    }

    /// <summary>The node's name (the ONNX node's, where imported).</summary>
    public string Name { get; }
    /// <summary>The layer of a one-input node, else null.</summary>
    public ILayer? Layer { get; }
    /// <summary>The layer of a several-input node, else null.</summary>
    public IMergeLayer? Merge { get; }
    /// <summary>The values read, in order.</summary>
    public IReadOnlyList<int> Inputs { get; }
    /// <summary>The value written.</summary>
    public int Output { get; }
    /// <summary>The layer's spec.</summary>
    public string Spec => Layer?.Spec ?? Merge!.Spec;

    internal void Dispose()
    {
        Layer?.Dispose();
        Merge?.Dispose();
    }
}
