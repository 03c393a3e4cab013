namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// The tile the shared-memory GEMMs for GPU backends share (<see cref="DenseGroupedGemm"/>,
/// <see cref="ConvGroupedGemm"/>, <see cref="ConvGroupedWeightGradient"/>): a group of 16×16 threads
/// computes a 64×64 output tile, each thread a 4×4 register block, staging 16-deep slices of both
/// operands in shared memory. One shape for all three, so that a GPU's tuning is done once.
/// </summary>
public static class GemmTile
{
    /// <summary>Threads per group: 16×16.</summary>
    public const int GroupSize = 256;
    /// <summary>Output rows and columns (channels, pixels, taps) per group.</summary>
    public const int Tile = 64;
    /// <summary>Depth of one staged slice along the summed axis.</summary>
    public const int Slice = 16;
}
