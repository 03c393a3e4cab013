namespace IlgpuBlindSpots.Cli;

/// <summary>
/// Finds a data set by name (under <c>data/</c> of the working folder or of the repository above
/// the executable) or as a folder path, and applies a <c>START:COUNT</c> range.
/// </summary>
internal static class DataLocator
{
    public static Dataset Load(string data, DatasetSplit split, string? range)
    {
        string folder = Folder(data);
        var set = Dataset.LoadDirectory(folder, split);
        if (range == null) return set;
        var (start, count) = ParseRange(range);
        if ((long)start + count > set.Count)
            throw new BlindSpotsException($"--range {range}: past the end of the {set.Count} {split.ToString().ToLowerInvariant()} examples of {data}");
        return set.Slice(start, count);
    }

    public static (int Start, int Count) ParseRange(string range)
    {
        var parts = range.Split(':');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int start)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count <= 0)
            throw new BlindSpotsException($"--range '{range}': expected START:COUNT with START ≥ 0 and COUNT ≥ 1, e.g. 0:50000");
        return (start, count);
    }

    private static string Folder(string data)
    {
        if (Dataset.KnownNames.Contains(data))
        {
            foreach (string root in Roots())
            {
                string candidate = Path.Combine(root, "data", data);
                if (Directory.Exists(candidate)) return candidate;
            }
            throw new BlindSpotsException(data == "sample"
                ? "--data sample: data/sample not found in this folder or above the executable"
                : $"--data {data}: data/{data} not found; run scripts/fetch-data.sh");
        }
        if (Directory.Exists(data)) return data;
        throw new BlindSpotsException($"--data {data}: neither a known data set ({string.Join(", ", Dataset.KnownNames)}) nor a folder");
    }

    /// <summary>The working folder, then every folder above the executable.</summary>
    private static IEnumerable<string> Roots()
    {
        yield return Directory.GetCurrentDirectory();
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            yield return dir.FullName;
    }
}
