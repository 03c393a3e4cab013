namespace IlgpuBlindSpots.Cli;

/// <summary>
/// Where a command will write, checked before it does any work: a command that trains for an hour
/// or prints a whole table must not find out only then that its output cannot be written. A folder
/// (or a file's folder) that does not exist yet is created later, as <c>mkdir -p</c> would; refused
/// are a path that names a file where a folder is needed (or a folder where a file is), a path
/// under a file, and a place the user cannot write to. Nothing is created by the check.
/// </summary>
internal static class OutputPath
{
    /// <summary>Checks that <paramref name="path"/> can be (or already is) a folder this user can write in.</summary>
    public static void CheckFolder(string option, string path)
    {
        string full = Full(option, path);
        if (File.Exists(full))
            throw new BlindSpotsException($"{option} {path}: is a file; a folder is needed");
        CheckWritable(option, path, ExistingAncestor(option, path, full));
    }

    /// <summary>Checks that <paramref name="path"/> can be written as a file (whole, by renaming a temporary file beside it).</summary>
    public static void CheckFile(string option, string path)
    {
        string full = Full(option, path);
        if (Directory.Exists(full))
            throw new BlindSpotsException($"{option} {path}: is a folder; a file name is needed");
        string parent = Path.GetDirectoryName(full) ?? full;
        CheckWritable(option, path, ExistingAncestor(option, path, parent));
    }

    private static string Full(string option, string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new BlindSpotsException($"{option}: the path is empty");
        try
        {
            return Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new BlindSpotsException($"{option} {path}: not a usable path ({e.Message})", e);
        }
    }

    /// <summary>The folder itself, or the nearest folder above it that exists; a file on the way is refused.</summary>
    private static string ExistingAncestor(string option, string path, string folder)
    {
        for (string? p = folder; p != null; p = Path.GetDirectoryName(p))
        {
            if (Directory.Exists(p)) return p;
            if (File.Exists(p))
                throw new BlindSpotsException($"{option} {path}: {p} is a file, so nothing can be created under it");
        }
        throw new BlindSpotsException($"{option} {path}: no folder of it exists");
    }

    /// <summary>Creates and removes an empty folder in <paramref name="folder"/>: the permission a write (file and rename, or subfolder) needs.</summary>
    private static void CheckWritable(string option, string path, string folder)
    {
        string probe = Path.Combine(folder, $".blindspots-write-check-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(probe);
            Directory.Delete(probe);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new BlindSpotsException($"{option} {path}: cannot write in {folder} (permission denied)", e);
        }
        catch (IOException e)
        {
            throw new BlindSpotsException($"{option} {path}: cannot write in {folder} ({e.Message})", e);
        }
    }
}
