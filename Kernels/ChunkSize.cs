namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// How many pixels of a summed axis one group of <see cref="ConvGroupedWeightGradient.Partial"/>
/// takes: a struct, because an explicitly grouped kernel's parameters are views and structs.
/// </summary>
public readonly struct ChunkSize
{
    /// <summary>Pixels per chunk, a multiple of the kernel's slice.</summary>
    public readonly int Pixels;

    /// <summary>A chunk of <paramref name="pixels"/> pixels.</summary>
    public ChunkSize(int pixels) => Pixels = pixels;
}
