using static IlgpuBlindSpots.Tests.Data.IdxFileTests;

namespace IlgpuBlindSpots.Tests.Data;

/// <summary>Datasets from IDX pairs: scaling, shapes, slices, folders by name, mismatched pairs.</summary>
public class DatasetTests
{
    [Fact]
    public void PixelsAreBytesOver255InNchwOrder()
    {
        using var folder = new TempFolder();
        byte[] pixels = Pattern(3 * 2 * 4 * 5, 21);
        string images = folder.Write("images", Idx(8, [3, 2, 4, 5], pixels));
        string labels = folder.Write("labels", Idx(8, [3], [2, 0, 4]));
        var d = Dataset.FromIdx(images, labels, classes: 5);
        Assert.Equal((3, 2, 4, 5, 5, 40), (d.Count, d.Channels, d.Height, d.Width, d.Classes, d.ImageSize));
        Assert.Equal([2, 0, 4], d.Labels);
        for (int i = 0; i < pixels.Length; i++) Assert.Equal(pixels[i] / 255f, d.Images[i]);
        Assert.Equal(d.Images.AsSpan(40, 40).ToArray(), d.Image(1).ToArray());
    }

    [Fact]
    public void ThreeDimensionalImagesHaveOneChannel()
    {
        var d = Dataset.LoadDirectory(Path.Combine(RepoFiles.DataRoot, "sample"), DatasetSplit.Test);
        Assert.Equal((1000, 1, 28, 28, 10), (d.Count, d.Channels, d.Height, d.Width, d.Classes));
        Assert.InRange(d.Images.Min(), 0f, 0f);
        Assert.InRange(d.Images.Max(), 1f, 1f);
    }

    [Fact]
    public void LoadsTheSampleByName()
    {
        var d = Dataset.Load("sample", DatasetSplit.Test, RepoFiles.DataRoot);
        Assert.Equal(1000, d.Count);
        Assert.Equal(7, d.Labels[0]);
    }

    [Fact]
    public void SliceCopiesTheRangeAndRefusesPastTheEnd()
    {
        var d = Dataset.Load("sample", DatasetSplit.Test, RepoFiles.DataRoot);
        var s = d.Slice(990, 10);
        Assert.Equal(10, s.Count);
        Assert.Equal(d.Labels[990..], s.Labels);
        Assert.Equal(d.Images.AsSpan(990 * 784).ToArray(), s.Images);
        Assert.Equal(0, d.Slice(1000, 0).Count);
        var e = Assert.Throws<BlindSpotsException>(() => d.Slice(995, 10));
        Assert.Contains("995..1004", e.Message);
        Assert.Contains("t10k-images-idx3-ubyte.gz", e.Message);
        Assert.Throws<BlindSpotsException>(() => d.Slice(-1, 2));
    }

    [Fact]
    public void RefusesAPairWithDifferentCountsNamingBothFiles()
    {
        using var folder = new TempFolder();
        string images = folder.Write("images", Idx(8, [3, 2, 2], new byte[12]));
        string labels = folder.Write("labels", Idx(8, [4], [0, 1, 2, 3]));
        var e = Assert.Throws<BlindSpotsException>(() => Dataset.FromIdx(images, labels));
        Assert.Contains(images, e.Message);
        Assert.Contains(labels, e.Message);
        Assert.Contains("3 images", e.Message);
        Assert.Contains("4 labels", e.Message);
    }

    [Fact]
    public void RefusesUnknownNamesMissingFoldersAndMissingFiles()
    {
        using var folder = new TempFolder();
        var unknown = Assert.Throws<BlindSpotsException>(() => Dataset.Load("cifar", DatasetSplit.Train, folder.Path));
        Assert.Contains("fashion-mnist", unknown.Message);
        var missing = Assert.Throws<BlindSpotsException>(() => Dataset.Load("mnist", DatasetSplit.Train, folder.Path));
        Assert.Contains("fetch-data.sh", missing.Message);
        // The sample has only the test split.
        var noTrain = Assert.Throws<BlindSpotsException>(() => Dataset.Load("sample", DatasetSplit.Train, RepoFiles.DataRoot));
        Assert.Contains("train-images-idx3-ubyte", noTrain.Message);
    }

    [Fact]
    public void PrefersTheGzippedFileAndFallsBackToRaw()
    {
        using var folder = new TempFolder();
        folder.Write("train-images-idx3-ubyte", Idx(8, [2, 1, 1], [0, 255]));
        folder.Write("train-labels-idx1-ubyte.gz", Gzip(Idx(8, [2], [1, 8])));
        var d = Dataset.LoadDirectory(folder.Path, DatasetSplit.Train);
        Assert.Equal([0f, 1f], d.Images);
        Assert.Equal([1, 8], d.Labels);
    }
}
