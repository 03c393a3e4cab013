using IlgpuBlindSpots.Optimizer.Units;

namespace IlgpuBlindSpots.Cli.UnitRuns;

/// <summary>
/// The paper's Figures 1–4 as image grids: one column per direction, its top k images from the
/// best (top row) down, several directions side by side. Tied directions are skipped: their
/// images were picked by the tie-break, not by the direction.
/// </summary>
internal static class UnitGrids
{
    /// <summary>Writes the first <paramref name="columns"/> untied directions of <paramref name="outcomes"/>; returns how many were shown (0: no file).</summary>
    public static int Write(string path, IReadOnlyList<DirectionOutcome> outcomes, Dataset data, int columns)
    {
        var shown = outcomes.Where(o => !o.Tied).Take(columns).ToList();
        if (shown.Count == 0) return 0;
        int k = shown[0].Images.Count, size = data.ImageSize;
        var pixels = new float[shown.Count * k * size];
        for (int rank = 0; rank < k; rank++)
            for (int c = 0; c < shown.Count; c++)
                data.Image(shown[c].Images[rank]).CopyTo(pixels.AsSpan((rank * shown.Count + c) * size, size));
        PngImages.WriteGrid(path, pixels, shown.Count * k, data.Channels, data.Height, data.Width, shown.Count);
        return shown.Count;
    }
}
