using IlgpuBlindSpots.Network.Layers;

namespace IlgpuBlindSpots.Network.Models;

/// <summary>
/// How long each value of a <see cref="GraphModel"/> lives: how many node inputs read it in a
/// forward pass, and whether it must outlive the pass because the model outputs it or the backward
/// pass that follows reads it (a ReLU's output, a product's factors, the activations of a weight gradient).
/// </summary>
internal sealed class ValueLifetimes
{
    private readonly int[] readers;
    private readonly bool[][] kept;

    public ValueLifetimes(IReadOnlyList<GraphNode> nodes, int valueCount, int outputValue)
    {
        readers = new int[valueCount];
        foreach (var n in nodes)
            foreach (int v in n.Inputs) readers[v]++;
        kept = Enum.GetValues<BackwardUse>().Select(use => KeptFor(nodes, valueCount, outputValue, use)).ToArray();
    }

    /// <summary>Node inputs reading each value in a forward pass.</summary>
    public IReadOnlyList<int> Readers => readers;

    /// <summary>Whether <paramref name="value"/> must outlive a forward pass followed by <paramref name="use"/>.</summary>
    public bool Kept(int value, BackwardUse use) => kept[(int)use][value];

    private static bool[] KeptFor(IReadOnlyList<GraphNode> nodes, int valueCount, int outputValue, BackwardUse use)
    {
        var keep = new bool[valueCount];
        keep[outputValue] = true;
        if (use == BackwardUse.None) return keep;
        bool parameters = use == BackwardUse.Parameters;
        foreach (var n in nodes)
        {
            var reads = n.Layer?.ReadsForBackward(parameters) ?? n.Merge!.ReadsForBackward;
            if (reads.HasFlag(BackwardReads.Output)) keep[n.Output] = true;
            if (reads.HasFlag(BackwardReads.Input))
                foreach (int v in n.Inputs) keep[v] = true;
        }
        return keep;
    }
}
