using IlgpuBlindSpots.Network.Layers;

namespace IlgpuBlindSpots.Network.Models;

/// <summary>
/// Counts the values and gradients of a graph model's pass that hold each piece of memory lent by
/// its <see cref="ActivationPool"/> (a reshaped value shares its input's memory), and gives the
/// memory back when the last lets go. Memory the pool did not lend (the caller's input, constants)
/// is never counted nor given back.
/// </summary>
internal sealed class HeldMemory(ActivationPool pool)
{
    private readonly Dictionary<object, int> holders = new(ReferenceEqualityComparer.Instance);

    /// <summary>Whether any value or gradient holds <paramref name="tensor"/>'s memory.</summary>
    public bool IsHeld(Tensor tensor) => holders.ContainsKey(tensor.Storage);

    /// <summary>One more holder of <paramref name="tensor"/>'s memory, if lent.</summary>
    public void Hold(Tensor tensor)
    {
        if (!pool.Holds(tensor)) return;
        holders[tensor.Storage] = holders.GetValueOrDefault(tensor.Storage) + 1;
    }

    /// <summary>One holder less; the memory goes back to the pool when it was the last.</summary>
    public void Drop(Tensor tensor)
    {
        if (!holders.TryGetValue(tensor.Storage, out int n)) return;
        if (n > 1)
        {
            holders[tensor.Storage] = n - 1;
            return;
        }
        holders.Remove(tensor.Storage);
        pool.Release(tensor);
    }

    /// <summary>Gives back a tensor no value holds (a gradient already added into a sum, an output nothing reads).</summary>
    public void DropIfUnheld(Tensor tensor)
    {
        if (!IsHeld(tensor)) pool.Release(tensor);
    }

    /// <summary>Forgets every holder and takes back all lent memory but <paramref name="keep"/>'s: a new pass begins.</summary>
    public void Restart(Tensor keep)
    {
        holders.Clear();
        pool.ReleaseAll(keep);
    }
}
