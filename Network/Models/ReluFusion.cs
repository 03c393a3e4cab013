using IlgpuBlindSpots.Network.Layers;

namespace IlgpuBlindSpots.Network.Models;

/// <summary>
/// Which layers of a model run with the ReLU after them fused into their product
/// (<see cref="IReluFusable"/>): a product whose output only that ReLU reads. Chosen once, where the
/// model is built; <see cref="Model.FusesActivations"/> turns it off. Fusing changes no value anyone
/// can read: the pre-activation it skips is read by nothing, and ReLU's backward pass reads its
/// output (y &gt; 0 exactly where the pre-activation is), which the fused product stores.
/// </summary>
internal static class ReluFusion
{
    /// <summary>Whether <paramref name="product"/> can apply <paramref name="next"/> as it stores.</summary>
    public static bool Fusable(ILayer? product, ILayer? next) =>
        product is IReluFusable && next is ActivationLayer { Kind: ActivationKind.Relu };

    /// <summary>For a chain: element i is set when layer i takes layer i + 1 (its only reader) into its product.</summary>
    public static bool[] ForChain(IReadOnlyList<ILayer> layers) =>
        Enumerable.Range(0, layers.Count).Select(i => i + 1 < layers.Count && Fusable(layers[i], layers[i + 1])).ToArray();

    /// <summary>
    /// For a graph: element i is the index of the ReLU node that node i's product takes in, or −1.
    /// Only where the product's value is read by that ReLU alone, is not the model's output, and no
    /// backward pass keeps it.
    /// </summary>
    public static int[] ForGraph(IReadOnlyList<GraphNode> nodes, ValueLifetimes lifetimes, int outputValue)
    {
        var fusedInto = Enumerable.Repeat(-1, nodes.Count).ToArray();
        for (int i = 0; i < nodes.Count; i++)
        {
            int v = nodes[i].Output;
            if (v == outputValue || lifetimes.Readers[v] != 1) continue;
            if (Enum.GetValues<BackwardUse>().Any(use => lifetimes.Kept(v, use))) continue;
            int reader = FindReader(nodes, v, i + 1);
            if (reader >= 0 && Fusable(nodes[i].Layer, nodes[reader].Layer)) fusedInto[i] = reader;
        }
        return fusedInto;
    }

    private static int FindReader(IReadOnlyList<GraphNode> nodes, int value, int from)
    {
        for (int j = from; j < nodes.Count; j++)
            if (nodes[j].Inputs.Contains(value)) return j;
        return -1;
    }
}
