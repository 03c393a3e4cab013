namespace IlgpuBlindSpots.Cli;

/// <summary>
/// What a <c>--data</c> option names, loaded as images shaped like the model's input:
/// a known IDX data set or a folder of IDX files (with <c>--split</c>); a NumPy <c>.npy</c> array of
/// N×C×H×W or N×H×W (float32 in [0, 1] or uint8), labelled by a second <c>.npy</c> given with
/// <c>--labels</c>; a folder with one sub-folder per class (torchvision's ImageFolder, classes
/// sorted or as <c>--classes</c> lists them); one PNG/JPEG or a folder of them. <c>--range</c>
/// applies to all. Sources without labels are marked so: the attack labels them by the model's prediction.
/// </summary>
internal static class ExampleSource
{
    /// <summary>Examples loaded from a source: the images (labels all 0 where <see cref="Labelled"/> is false).</summary>
    /// <param name="Set">The images, C×H×W each, with their labels.</param>
    /// <param name="Files">The image file of each example, when the source is image files.</param>
    /// <param name="Labelled">Whether the labels came with the data.</param>
    /// <param name="Description">The source with its split and range, for reports.</param>
    /// <param name="Source">The source without the range.</param>
    /// <param name="Start">The range's first index in the source.</param>
    public sealed record Examples(Dataset Set, IReadOnlyList<string>? Files, bool Labelled, string Description, string Source, int Start);

    /// <summary>Refuses a --split other than train or test, whatever the source: a command checks it before loading anything.</summary>
    public static void CheckSplit(string split)
    {
        if (split.ToLowerInvariant() is not ("train" or "test"))
            throw new BlindSpotsException($"--split '{split}': expected train or test");
    }

    /// <summary>
    /// Loads the examples the options <paramref name="o"/> name, refusing a source without labels,
    /// which <paramref name="command"/> needs.
    /// </summary>
    /// <exception cref="BlindSpotsException">An option or file is bad, the images do not fit the model's input, or they have no labels.</exception>
    public static Examples LoadLabelled(Commands.ExamplesArguments o, int[] modelShape, int modelClasses, string command)
    {
        var examples = Load(o.Data, o.Split, o.Range, o.Labels, o.Classes, modelShape, modelClasses);
        return examples.Labelled ? examples : throw new BlindSpotsException(
            $"--data {o.Data}: {command} needs labels; give images in one sub-folder per class, or a .npy with --labels");
    }

    /// <summary>Loads <paramref name="data"/> for a model taking <paramref name="modelShape"/> and giving <paramref name="modelClasses"/> classes.</summary>
    /// <exception cref="BlindSpotsException">An option or file is bad, or the images do not fit the model's input.</exception>
    public static Examples Load(string data, string split, string? range, string? labels, string? classes, int[] modelShape, int modelClasses)
    {
        var (start, count) = range == null ? (0, -1) : DataLocator.ParseRange(range);
        if (labels != null && !IsNpy(data))
            throw new BlindSpotsException($"--labels {labels}: labels go with a .npy --data, not with {data}");
        if (classes != null && !ImageFolder.IsImageFolder(data))
            throw new BlindSpotsException($"--classes: a class list goes with a folder of class sub-folders, not with {data}");
        if (IsNpy(data))
            return Slice(FromNpy(data, labels, modelShape, modelClasses), range, start, count);
        if (IsImages(data))
        {
            if (modelShape.Length != 3)
                throw new BlindSpotsException($"--data {data}: images are C×H×W but the model's input is {Tensor.Format(modelShape)}");
            if (ImageFolder.IsImageFolder(data))
            {
                var contents = ImageFolder.Load(data, classes == null ? null : ImageFolder.ParseClassList(classes, "--classes"),
                    modelShape[0], modelShape[1], modelShape[2]);
                if (contents.ClassNames.Count != modelClasses)
                    throw new BlindSpotsException(
                        $"--data {data}: {contents.ClassNames.Count} classes ({Names(contents.ClassNames)}) but the model gives {modelClasses}; list all {modelClasses} in order with --classes");
                return Slice(new Examples(contents.Set, contents.Files, true, data, data, 0), range, start, count);
            }
            var batch = ImageFiles.Load(data, modelShape[0], modelShape[1], modelShape[2]);
            var set = new Dataset(batch.Pixels, new int[batch.Count], batch.Channels, batch.Height, batch.Width, modelClasses, data);
            return Slice(new Examples(set, batch.Files, false, data, data, 0), range, start, count);
        }
        var which = split.ToLowerInvariant() switch
        {
            "test" => DatasetSplit.Test,
            "train" => DatasetSplit.Train,
            _ => throw new BlindSpotsException($"--split '{split}': expected train or test"),
        };
        var idx = DataLocator.Load(data, which, range);
        CheckShape(data, [idx.Channels, idx.Height, idx.Width], modelShape);
        if (idx.Classes > modelClasses && idx.Labels.Any(l => l >= modelClasses))
            throw new BlindSpotsException($"--data {data}: labels reach {idx.Labels.Max()} but the model gives {modelClasses} classes");
        string source = $"{data} {which.ToString().ToLowerInvariant()}";
        return new Examples(idx, null, true, $"{source} {range ?? "all"}", source, start);
    }

    private static bool IsNpy(string data) => data.EndsWith(".npy", StringComparison.OrdinalIgnoreCase);

    /// <summary>One image file, a folder of them, or a folder of class sub-folders; never a folder of IDX files.</summary>
    private static bool IsImages(string data)
    {
        if (File.Exists(data)) return ImageFiles.HasImageExtension(data);
        if (!Directory.Exists(data) || Directory.EnumerateFiles(data, "*idx*", new EnumerationOptions { MatchCasing = MatchCasing.CaseInsensitive }).Any())
            return false;
        return ImageFiles.InFolder(data).Length > 0 || ImageFolder.IsImageFolder(data);
    }

    private static Examples FromNpy(string data, string? labelsPath, int[] modelShape, int modelClasses)
    {
        if (!File.Exists(data)) throw new BlindSpotsException($"--data {data}: no such file");
        var file = NpyFile.Read(data);
        var shape = file.Shape;
        if (shape.Count is not (3 or 4) || shape.Any(d => d == 0))
            throw new BlindSpotsException($"{data}: an array of shape ({string.Join(", ", shape)}); images are N×C×H×W or N×H×W, none empty");
        int[] image = shape.Count == 3 ? [1, shape[1], shape[2]] : [shape[1], shape[2], shape[3]];
        CheckShape(data, image, modelShape);
        float[] pixels = file.ToFloats();
        if (file.Type == NpyType.UInt8)
            for (int i = 0; i < pixels.Length; i++) pixels[i] /= 255f;
        else
            for (int i = 0; i < pixels.Length; i++)
                if (!(pixels[i] is >= 0f and <= 1f))
                    throw new BlindSpotsException($"{data}: value {pixels[i]} at index {i} is outside [0, 1]; float32 images hold pixels in [0, 1] (divide bytes by 255)");
        bool labelled = labelsPath != null;
        var labels = new int[shape[0]];
        if (labelsPath != null)
        {
            if (!File.Exists(labelsPath)) throw new BlindSpotsException($"--labels {labelsPath}: no such file");
            var labelFile = NpyFile.Read(labelsPath);
            if (labelFile.Shape.Count != 1 || labelFile.Shape[0] != shape[0])
                throw new BlindSpotsException($"{labelsPath}: labels of shape ({string.Join(", ", labelFile.Shape)}) do not match the {shape[0]} images of {data}; expected ({shape[0]},)");
            labels = labelFile.ToLabels(modelClasses);
        }
        var set = new Dataset(pixels, labels, image[0], image[1], image[2], modelClasses, data);
        return new Examples(set, null, labelled, data, data, 0);
    }

    private static Examples Slice(Examples e, string? range, int start, int count)
    {
        if (range == null) return e;
        if ((long)start + count > e.Set.Count)
            throw new BlindSpotsException($"--range {range}: past the end of the {e.Set.Count} examples of {e.Source}");
        var files = e.Files?.Skip(start).Take(count).ToArray();
        return e with { Set = e.Set.Slice(start, count), Files = files, Description = $"{e.Source} {range}", Start = start };
    }

    /// <summary>Same pixel count is not the same image: 14×56 digits must not pass for 28×28 ones.</summary>
    private static void CheckShape(string data, int[] image, int[] modelShape)
    {
        if (!image.SequenceEqual(modelShape))
            throw new BlindSpotsException(
                $"--data {data}: images of {string.Join("×", image)} do not fit the model's input {string.Join("×", modelShape)}");
    }

    private static string Names(IReadOnlyList<string> names) =>
        names.Count <= 5 ? string.Join(", ", names) : $"{string.Join(", ", names.Take(5))}, …";
}
