namespace IlgpuBlindSpots.AttackDigits;

/// <summary>
/// The repository checkout the default model and digits come from: the first folder holding
/// <c>IlgpuBlindSpots.sln</c> above the working folder or above the program itself, so the example
/// finds them whether it is started from the repository, from its own folder, or by <c>dotnet run</c>.
/// </summary>
internal static class RepositoryRoot
{
    private const string Marker = "IlgpuBlindSpots.sln";

    /// <summary>The root, or null when neither the working folder nor the program lies inside a checkout.</summary>
    public static string? Find()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, Marker)))
                    return dir.FullName;
        return null;
    }

    /// <summary>
    /// <paramref name="given"/> as is, or else <paramref name="relative"/> under the repository root;
    /// null when neither is available.
    /// </summary>
    public static string? Resolve(string? given, string relative) =>
        given ?? (Find() is { } root ? Path.Combine(root, relative) : null);
}
