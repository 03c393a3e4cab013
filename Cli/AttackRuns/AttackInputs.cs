namespace IlgpuBlindSpots.Cli.AttackRuns;

/// <summary>
/// The examples an attack run works on: images in [0, 1] with labels and their indices in the
/// source (the data set's index, or an image's position in its folder or array).
/// </summary>
internal sealed class AttackInputs
{
    private AttackInputs(float[] images, int[] labels, int[] indices, int[] shape, string description, string source,
        IReadOnlyList<string>? files, bool labelledByModel)
    {
        Source = source;
        LabelledByModel = labelledByModel;
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
    /// <summary>Where the examples come from, without the range: "mnist test", or the path.</summary>
    public string Source { get; }
    /// <summary>The image files, when the inputs are images.</summary>
    public IReadOnlyList<string>? Files { get; }
    /// <summary>Whether the labels are the model's predictions (the data came without labels).</summary>
    public bool LabelledByModel { get; }

    public ReadOnlySpan<float> Image(int i) => Images.AsSpan(i * Length, Length);

    /// <summary>
    /// Loads what <c>--data</c> names (see <see cref="ExampleSource"/>) shaped like the model's input.
    /// Examples that come without labels (image files, a .npy without --labels) get theirs later from the model.
    /// </summary>
    public static AttackInputs Load(string data, string split, string? range, string? labels, string? classes, int[] modelShape, int modelClasses)
    {
        var e = ExampleSource.Load(data, split, range, labels, classes, modelShape, modelClasses);
        var set = e.Set;
        return new AttackInputs(set.Images, set.Labels, Enumerable.Range(e.Start, set.Count).ToArray(),
            [set.Channels, set.Height, set.Width], e.Description, e.Source, e.Files, !e.Labelled);
    }
}
