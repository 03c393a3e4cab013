namespace IlgpuBlindSpots.Network.Data;

/// <summary>
/// Images loaded from files as one batch: float32 NCHW pixels in [0, 1] of
/// [Count, Channels, Height, Width], and the file each image came from, in batch order.
/// </summary>
public sealed record ImageBatch(float[] Pixels, int Count, int Channels, int Height, int Width, IReadOnlyList<string> Files)
{
    /// <summary>Floats per image: Channels × Height × Width.</summary>
    public int ImageSize => Channels * Height * Width;
}
