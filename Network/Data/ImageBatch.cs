namespace IlgpuBlindSpots.Network.Data;

/// <summary>
/// Images loaded from files as one batch: float32 NCHW pixels in [0, 1] of
/// [Count, Channels, Height, Width], and the file each image came from, in batch order.
/// </summary>
/// <param name="Pixels">[Count, Channels, Height, Width] values in [0, 1].</param>
/// <param name="Count">Images in the batch.</param>
/// <param name="Channels">Channels per image (1 grey, 3 RGB).</param>
/// <param name="Height">Image height in pixels.</param>
/// <param name="Width">Image width in pixels.</param>
/// <param name="Files">The file of each image, in batch order.</param>
public sealed record ImageBatch(float[] Pixels, int Count, int Channels, int Height, int Width, IReadOnlyList<string> Files)
{
    /// <summary>Floats per image: Channels × Height × Width.</summary>
    public int ImageSize => Channels * Height * Width;
}
