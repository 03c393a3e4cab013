namespace IlgpuBlindSpots.Tests.Fixtures;

/// <summary>
/// An IDX data folder cut from the committed sample (the first 1,000 MNIST test digits): a training
/// and a test split under the standard file names, so commands that want both can run without MNIST.
/// </summary>
internal static class SampleDigits
{
    /// <summary>Writes digits [trainStart, +trainCount) as the training split and [testStart, +testCount) as the test split.</summary>
    public static void WriteFolder(string folder, int trainStart, int trainCount, int testStart, int testCount)
    {
        Directory.CreateDirectory(folder);
        var images = IdxFile.ReadImages(RepoFiles.Sample("t10k-images-idx3-ubyte.gz")).Data;
        var labels = IdxFile.Read(RepoFiles.Sample("t10k-labels-idx1-ubyte.gz")).Data;
        void Write(string prefix, int start, int count)
        {
            IdxFile.Write(Path.Combine(folder, $"{prefix}-images-idx3-ubyte.gz"), [count, 28, 28], images.AsSpan(start * 784, count * 784), gzip: true);
            IdxFile.Write(Path.Combine(folder, $"{prefix}-labels-idx1-ubyte.gz"), [count], labels.AsSpan(start, count), gzip: true);
        }
        Write("train", trainStart, trainCount);
        Write("t10k", testStart, testCount);
    }
}
