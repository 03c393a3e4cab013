namespace IlgpuBlindSpots.Network.Data;

/// <summary>Which half of a data set directory: the training files (train-*) or the test files (t10k-*).</summary>
public enum DatasetSplit
{
    /// <summary>The training files, <c>train-images-idx3-ubyte</c> and <c>train-labels-idx1-ubyte</c>.</summary>
    Train,
    /// <summary>The test files, <c>t10k-images-idx3-ubyte</c> and <c>t10k-labels-idx1-ubyte</c>.</summary>
    Test,
}
