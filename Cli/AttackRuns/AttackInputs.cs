using IlgpuBlindSpots.Network;
using IlgpuBlindSpots.Network.Data;

namespace IlgpuBlindSpots.Cli.AttackRuns;

/// <summary>
/// The examples an attack run works on: images in [0, 1] with labels and their indices in the
/// source (the data set's index, or a PNG's position in its folder).
/// </summary>
internal sealed class AttackInputs
{
    private AttackInputs(float[] images, int[] labels, int[] indices, int[] shape, string description, IReadOnlyList<string>? files)
    {
        Images = images;
        Labels = labels;
        Indices = indices;
        Shape = shape;
        Description = description;
        Files = files;
    }

    public float[] Images { get; }
    public int[] Labels { get; }
    public int[] Indices { get; }
    /// <summary>Per-example shape C, H, W.</summary>
    public int[] Shape { get; }
    public int Length => Shape[0] * Shape[1] * Shape[2];
    public int Count => Labels.Length;
    public string Description { get; }
    /// <summary>Where the examples come from, without the range: "mnist test", or the PNG path.</summary>
    public string Source => Files != null ? Description : Description[..Description.LastIndexOf(' ')];
    /// <summary>The PNG files, when the inputs are PNGs; their labels are the model's predictions.</summary>
    public IReadOnlyList<string>? Files { get; }
    public bool LabelledByModel => Files != null;

    public ReadOnlySpan<float> Image(int i) => Images.AsSpan(i * Length, Length);

    /// <summary>
    /// Loads IDX data by name or folder (with an optional range), or PNGs (one file or a folder of
    /// them) shaped like the model's input. PNG labels are filled in later from the model.
    /// </summary>
    public static AttackInputs Load(string data, string split, string? range, int[] modelShape)
    {
        // File names are matched without regard to case: a camera's IMG_0001.PNG is a PNG too.
        var anyCase = new EnumerationOptions { MatchCasing = MatchCasing.CaseInsensitive };
        bool png = data.EndsWith(".png", StringComparison.OrdinalIgnoreCase) && File.Exists(data)
                   || Directory.Exists(data) && Directory.EnumerateFiles(data, "*.png", anyCase).Any() && !Directory.EnumerateFiles(data, "*idx*", anyCase).Any();
        if (png)
        {
            if (range != null) throw new BlindSpotsException("--range applies to IDX data sets, not to PNG inputs");
            var batch = PngImages.Load(data, modelShape[0], modelShape[1], modelShape[2]);
            return new AttackInputs(batch.Pixels, new int[batch.Count], Enumerable.Range(0, batch.Count).ToArray(),
                (int[])modelShape.Clone(), data, batch.Files);
        }
        var which = split.ToLowerInvariant() switch
        {
            "test" => DatasetSplit.Test,
            "train" => DatasetSplit.Train,
            _ => throw new BlindSpotsException($"--split '{split}': expected train or test"),
        };
        var set = DataLocator.Load(data, which, range);
        if (set.Channels != modelShape[0] || set.Height != modelShape[1] || set.Width != modelShape[2])
            throw new BlindSpotsException(
                $"--data {data}: images of {set.Channels}×{set.Height}×{set.Width} do not fit the model's input {string.Join("×", modelShape)}");
        int start = range == null ? 0 : DataLocator.ParseRange(range).Start;
        return new AttackInputs(set.Images, set.Labels, Enumerable.Range(start, set.Count).ToArray(),
            [set.Channels, set.Height, set.Width], $"{data} {which.ToString().ToLowerInvariant()} {range ?? "all"}", null);
    }
}
