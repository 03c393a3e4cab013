namespace IlgpuBlindSpots.Network.Data;

/// <summary>
/// Writes a file in full or not at all: the content goes to a temporary file beside the target,
/// which is then renamed over it. A crash or an error halfway leaves the old file (or none), never
/// a partial one that a later run would try to read.
/// </summary>
public static class AtomicFile
{
    /// <summary>
    /// Creates <paramref name="path"/> (and its folder) or replaces it with what <paramref name="write"/>
    /// writes to the stream it is given.
    /// </summary>
    /// <exception cref="BlindSpotsException">The path is unusable or the file cannot be written; the old file is left as it was.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new BlindSpotsException($"{path}: not a usable file path ({e.Message})", e);
        }
        string directory = Path.GetDirectoryName(full) ?? ".";
        string temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(directory);
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BlindSpotsException($"{path}: cannot write ({e.Message})", e);
        }
        finally
        {
            // Present only when something failed before the rename.
            try { File.Delete(temporary); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }
}
