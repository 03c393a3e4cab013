namespace IlgpuBlindSpots.Tests.Fixtures;

/// <summary>
/// Files committed in the repository that tests read in place: Tests/Fixtures/ and data/sample/.
/// Found by walking up from the test binaries to the folder holding the solution file.
/// </summary>
internal static class RepoFiles
{
    private static readonly Lazy<string> root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "IlgpuBlindSpots.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"no IlgpuBlindSpots.sln above {AppContext.BaseDirectory}");
    });

    public static string Root => root.Value;

    /// <summary>A file of Tests/Fixtures/.</summary>
    public static string Fixture(string name) => Path.Combine(Root, "Tests", "Fixtures", name);

    /// <summary>The data root, whose sample/ folder holds the committed MNIST sample.</summary>
    public static string DataRoot => Path.Combine(Root, "data");

    /// <summary>A file of data/sample/.</summary>
    public static string Sample(string name) => Path.Combine(DataRoot, "sample", name);
}
