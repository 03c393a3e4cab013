namespace IlgpuBlindSpots.Network.Data;

/// <summary>
/// Labelled images laid out as torchvision's <c>ImageFolder</c> expects: one sub-folder per class,
/// each holding that class's PNG/JPEG files (<c>root/cat/001.png</c>, <c>root/dog/x.jpg</c>). Class
/// indices follow the sub-folder names sorted by ordinal comparison (Python's <c>sorted</c>, which
/// torchvision uses), or the order of a class list the user gives; images within a class are sorted
/// by name. Files without an image ending are skipped, as torchvision skips them.
/// </summary>
public static class ImageFolder
{
    /// <summary>A loaded image folder: the labelled images, the file of each, and the class names by index.</summary>
    public sealed record Contents(Dataset Set, IReadOnlyList<string> Files, IReadOnlyList<string> ClassNames);

    /// <summary>Whether <paramref name="folder"/> looks like an image folder: sub-folders, and no image files of its own.</summary>
    public static bool IsImageFolder(string folder) =>
        Directory.Exists(folder) && Directory.EnumerateDirectories(folder).Any() && ImageFiles.InFolder(folder).Length == 0;

    /// <summary>
    /// Loads every image of <paramref name="root"/>'s class sub-folders as [N, channels, height, width]
    /// (colour matched as <see cref="ImageFiles.Load"/> does), labelled by the index of its sub-folder
    /// among <paramref name="classNames"/> (default: the sub-folder names sorted).
    /// </summary>
    /// <exception cref="BlindSpotsException">
    /// A sub-folder is not in the class list or holds no images, a class name repeats, or an image is
    /// unreadable or of another size.
    /// </exception>
    public static Contents Load(string root, IReadOnlyList<string>? classNames, int channels, int height, int width)
    {
        if (!Directory.Exists(root)) throw new BlindSpotsException($"{root}: no such folder");
        var folders = Directory.GetDirectories(root).Select(Path.GetFileName).Select(n => n!).ToList();
        folders.Sort(string.CompareOrdinal);
        if (folders.Count == 0) throw new BlindSpotsException($"{root}: holds no class sub-folders");
        var names = classNames ?? folders;
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < names.Count; i++)
            if (!index.TryAdd(names[i], i))
                throw new BlindSpotsException($"{root}: class '{names[i]}' is listed twice");
        var files = new List<string>();
        var labels = new List<int>();
        foreach (string name in folders)
        {
            if (!index.TryGetValue(name, out int label))
                throw new BlindSpotsException($"{Path.Combine(root, name)}: sub-folder '{name}' is not one of the {names.Count} classes given");
            string[] images = ImageFiles.InFolder(Path.Combine(root, name));
            if (images.Length == 0)
                throw new BlindSpotsException($"{Path.Combine(root, name)}: holds no image files ({string.Join(", ", ImageFiles.Extensions)})");
            files.AddRange(images);
            labels.AddRange(Enumerable.Repeat(label, images.Length));
        }
        // Sorted class names, then sorted files, whatever the class list's order: torchvision's sample order.
        var batch = ImageFiles.LoadFiles(root, files, channels, height, width);
        var set = new Dataset(batch.Pixels, labels.ToArray(), channels, height, width, names.Count, root);
        return new Contents(set, files, names.ToArray());
    }

    /// <summary>
    /// A class list as the user gives it: a text file with one name per line (blank lines skipped),
    /// or the names separated by commas.
    /// </summary>
    public static IReadOnlyList<string> ParseClassList(string value, string option)
    {
        var names = File.Exists(value)
            ? File.ReadAllLines(value).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray()
            : value.Split(',', StringSplitOptions.TrimEntries);
        if (names.Length == 0 || names.Any(n => n.Length == 0))
            throw new BlindSpotsException($"{option} '{value}': expected class names separated by commas, or a file with one name per line");
        return names;
    }
}
