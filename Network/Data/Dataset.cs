namespace IlgpuBlindSpots.Network.Data;

/// <summary>
/// Labelled images in host memory: pixels as float32 NCHW scaled to [0, 1] (byte / 255), one int
/// label per image in 0..Classes-1. Loaded from an IDX image file and an IDX label file.
/// </summary>
public sealed class Dataset
{
    /// <summary>The data sets <see cref="Load(string, DatasetSplit, string)"/> knows by name, each a folder under the data root.</summary>
    public static readonly IReadOnlyList<string> KnownNames = ["mnist", "fashion-mnist", "sample"];

    private readonly float[] images;
    private readonly int[] labels;

    /// <summary>A data set over arrays already in memory.</summary>
    /// <param name="images">NCHW pixels in [0, 1]; taken, not copied.</param>
    /// <param name="labels">One label per image in 0..classes-1; taken, not copied.</param>
    /// <param name="channels">C: channels per image.</param>
    /// <param name="height">H: image height.</param>
    /// <param name="width">W: image width.</param>
    /// <param name="classes">Label classes.</param>
    /// <param name="source">What the data came from, for messages (a file pair, a folder).</param>
    /// <exception cref="ArgumentException">A size is not positive, the pixel count does not match, or a label is out of range.</exception>
    public Dataset(float[] images, int[] labels, int channels, int height, int width, int classes, string source)
    {
        if (channels < 1 || height < 1 || width < 1 || classes < 1)
            throw new ArgumentException($"channels {channels}, height {height}, width {width} and classes {classes} must be positive");
        long imageSize = (long)channels * height * width;
        if ((long)labels.Length * imageSize != images.Length)
            throw new ArgumentException($"{labels.Length} labels need {labels.Length * imageSize} pixels of {channels}×{height}×{width}, not {images.Length}");
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)classes)
                throw new ArgumentException($"label {labels[i]} at index {i} is outside the classes 0..{classes - 1}");
        this.images = images;
        this.labels = labels;
        Channels = channels;
        Height = height;
        Width = width;
        Classes = classes;
        Source = source;
    }

    /// <summary>Images, and labels.</summary>
    public int Count => labels.Length;
    /// <summary>C: channels per image (1 for MNIST).</summary>
    public int Channels { get; }
    /// <summary>H: image height in pixels.</summary>
    public int Height { get; }
    /// <summary>W: image width in pixels.</summary>
    public int Width { get; }
    /// <summary>Label classes; every label is below it.</summary>
    public int Classes { get; }
    /// <summary>Floats per image: Channels × Height × Width.</summary>
    public int ImageSize => Channels * Height * Width;
    /// <summary>What the data came from, for messages.</summary>
    public string Source { get; }
    /// <summary>The index of the first image in the data set this one was sliced from (<see cref="Slice"/>); 0 for a whole data set.</summary>
    public int FirstIndex { get; private init; }

    /// <summary>All images, NCHW, [Count, Channels, Height, Width]. Shared, not a copy: do not write to it.</summary>
    public float[] Images => images;
    /// <summary>All labels, [Count]. Shared, not a copy: do not write to it.</summary>
    public int[] Labels => labels;

    /// <summary>Image <paramref name="index"/>'s pixels, CHW.</summary>
    public ReadOnlySpan<float> Image(int index) => images.AsSpan(checked(index * ImageSize), ImageSize);

    /// <summary>Images start..start+count-1 with their labels, copied.</summary>
    /// <exception cref="BlindSpotsException">The range runs past the end of the data set.</exception>
    public Dataset Slice(int start, int count)
    {
        if (start < 0 || count < 0 || (long)start + count > Count)
            throw new BlindSpotsException(
                $"{Source}: images {start}..{(long)start + count - 1} ({count} from {start}) are past the end of its {Count} images");
        return new Dataset(
            images.AsSpan(start * ImageSize, count * ImageSize).ToArray(),
            labels.AsSpan(start, count).ToArray(),
            Channels, Height, Width, Classes, $"{Source}[{start}..{start + count - 1}]")
        { FirstIndex = FirstIndex + start };
    }

    /// <summary>Loads an IDX image file ([N, H, W] or [N, C, H, W]) and the IDX label file ([N]) that goes with it.</summary>
    /// <exception cref="BlindSpotsException">A file is missing or malformed, a label is not below <paramref name="classes"/>, or the counts differ.</exception>
    public static Dataset FromIdx(string imagesPath, string labelsPath, int classes = 10)
    {
        var imageFile = IdxFile.ReadImages(imagesPath);
        int[] labels = IdxFile.ReadLabels(labelsPath, classes);
        var d = imageFile.Dimensions;
        if (d[0] != labels.Length)
            throw new BlindSpotsException(
                $"{imagesPath} holds {d[0]} images but {labelsPath} holds {labels.Length} labels; they must be a pair");
        (int channels, int height, int width) = d.Count == 3 ? (1, d[1], d[2]) : (d[1], d[2], d[3]);
        byte[] bytes = imageFile.Data;
        var pixels = new float[bytes.Length];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = bytes[i] / 255f;
        return new Dataset(pixels, labels, channels, height, width, classes, $"{imagesPath} + {labelsPath}");
    }

    /// <summary>
    /// Loads a split of a data set folder holding the standard file names (gzipped or not):
    /// train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte.
    /// </summary>
    /// <exception cref="BlindSpotsException">The folder or a file of the split is missing or malformed.</exception>
    public static Dataset LoadDirectory(string directory, DatasetSplit split, int classes = 10)
    {
        if (!Directory.Exists(directory))
            throw new BlindSpotsException($"{directory}: no such folder (scripts/fetch-data.sh puts MNIST and Fashion-MNIST under data/)");
        string prefix = split == DatasetSplit.Train ? "train" : "t10k";
        return FromIdx(
            FindFile(directory, $"{prefix}-images-idx3-ubyte"),
            FindFile(directory, $"{prefix}-labels-idx1-ubyte"),
            classes);
    }

    /// <summary>
    /// Loads a split of a data set by name: "mnist" and "fashion-mnist" (from scripts/fetch-data.sh) or
    /// "sample" (the committed first 1,000 MNIST test digits, test split only), each a folder under <paramref name="dataRoot"/>.
    /// </summary>
    public static Dataset Load(string name, DatasetSplit split, string dataRoot = "data")
    {
        if (!KnownNames.Contains(name))
            throw new BlindSpotsException($"unknown data set '{name}'; known: {string.Join(", ", KnownNames)}");
        string directory = Path.Combine(dataRoot, name);
        if (!Directory.Exists(directory))
            throw new BlindSpotsException(name == "sample"
                ? $"{directory}: no such folder (the sample is committed under data/sample)"
                : $"{directory}: no such folder; run scripts/fetch-data.sh to fetch {name}");
        return LoadDirectory(directory, split);
    }

    private static string FindFile(string directory, string name)
    {
        string gz = Path.Combine(directory, name + ".gz"), raw = Path.Combine(directory, name);
        if (File.Exists(gz)) return gz;
        if (File.Exists(raw)) return raw;
        throw new BlindSpotsException($"{directory}: has neither {name}.gz nor {name}");
    }
}
