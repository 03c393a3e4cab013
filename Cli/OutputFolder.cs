namespace IlgpuBlindSpots.Cli;

/// <summary>
/// An output folder written whole or not at all: the command writes into a hidden staging folder
/// beside the target and <see cref="Commit"/> moves it into place (a previous folder of that name is
/// moved aside first and removed after). A command that fails or is killed before the commit leaves
/// the previous folder as it was; the staging folder it leaves is hidden and named as such.
/// </summary>
internal sealed class OutputFolder : IDisposable
{
    private readonly string target;
    private bool committed;

    private OutputFolder(string target, string staging)
    {
        this.target = target;
        Path = staging;
    }

    /// <summary>The staging folder to write into.</summary>
    public string Path { get; }

    /// <summary>Creates the staging folder for <paramref name="target"/>.</summary>
    public static OutputFolder Stage(string target)
    {
        string full = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(target));
        string parent = System.IO.Path.GetDirectoryName(full) ?? full;
        string staging = System.IO.Path.Combine(parent, $".{System.IO.Path.GetFileName(full)}.staging-{Guid.NewGuid():N}");
        Guard(target, () => Directory.CreateDirectory(staging));
        return new OutputFolder(full, staging);
    }

    /// <summary>Moves the finished staging folder to the target, replacing what was there.</summary>
    public void Commit()
    {
        Guard(target, () =>
        {
            if (Directory.Exists(target))
            {
                string aside = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(target)!,
                    $".{System.IO.Path.GetFileName(target)}.replaced-{Guid.NewGuid():N}");
                Directory.Move(target, aside);
                Directory.Move(Path, target);
                Directory.Delete(aside, recursive: true);
            }
            else
                Directory.Move(Path, target);
        });
        committed = true;
    }

    public void Dispose()
    {
        if (committed) return;
        try { Directory.Delete(Path, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    private static void Guard(string target, Action action)
    {
        try
        {
            action();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BlindSpotsException($"--out {target}: cannot write ({e.Message})", e);
        }
    }
}
