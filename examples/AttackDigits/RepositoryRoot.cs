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

    /// <summary>
    /// The examples' arguments <c>[MODEL] [DIGITS_FOLDER] [DEVICE]</c> with their defaults
    /// (models/fc100-100-10.safetensors, data/sample, auto); null, with one line on standard error
    /// naming <paramref name="program"/>, when the defaults cannot be found.
    /// </summary>
    public static (string Model, string Digits, string Device)? Arguments(string[] args, string program)
    {
        string? model = Resolve(args.ElementAtOrDefault(0), Path.Combine("models", "fc100-100-10.safetensors"));
        string? digits = Resolve(args.ElementAtOrDefault(1), Path.Combine("data", "sample"));
        if (model is not null && digits is not null) return (model, digits, args.ElementAtOrDefault(2) ?? "auto");
        Console.Error.WriteLine($"{program}: not inside the repository; give the model file and the digits folder: {program} MODEL DIGITS_FOLDER [DEVICE]");
        return null;
    }
}
