namespace IlgpuBlindSpots.Tests.Fixtures;

/// <summary>
/// The CLI tests' training set-up: a fresh temporary folder with 200 training and 100 test digits of
/// the committed sample in the standard IDX names (<see cref="Data"/>) and an empty output folder
/// (<see cref="Out"/>), deleted with everything in it on dispose.
/// </summary>
internal sealed class DigitsFolder : IDisposable
{
    private readonly TempFolder folder = new();

    public DigitsFolder()
    {
        Data = folder.File("digits");
        Out = folder.File("out");
        Directory.CreateDirectory(Out);
        SampleDigits.WriteFolder(Data, 0, 200, 200, 100);
    }

    /// <summary>The folder itself, for files a test makes beside the data and the outputs.</summary>
    public string Path => folder.Path;

    /// <summary>The digits folder, what <c>--data</c> takes.</summary>
    public string Data { get; }

    /// <summary>The output folder, empty at the start.</summary>
    public string Out { get; }

    public void Dispose() => folder.Dispose();
}
