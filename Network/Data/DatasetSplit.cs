namespace IlgpuBlindSpots.Network.Data;

/// <summary>Which half of a data set directory: the training files (train-*) or the test files (t10k-*).</summary>
public enum DatasetSplit
{
    Train,
    Test,
}
