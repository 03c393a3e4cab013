namespace IlgpuBlindSpots.Cli.AttackRuns;

/// <summary>
/// What a run's <c>run.json</c> says its results may hold: the data-set indices it covers
/// (<c>indices</c>, <c>FIRST:COUNT</c>), the model's classes, the shape of one input and how many
/// examples it attacks. Every row of the results is checked against it.
/// </summary>
internal sealed record RunScope(int First, int Count, int Classes, int[] Shape, int Expected)
{
    public const string IndicesKey = "indices", ClassesKey = "classes", InputKey = "input", ExpectedKey = "expected";

    /// <summary>The most classes a run may declare: far above any classifier here, far below what breaks a count.</summary>
    public const int MaxClasses = 1 << 16;

    public int Last => First + Count - 1;

    public bool Contains(int index) => index >= First && (long)index < (long)First + Count;

    public static string FormatIndices(int first, int count) => string.Create(CultureInfo.InvariantCulture, $"{first}:{count}");

    /// <summary>Reads the scope from a run description; a missing or malformed key is one line naming the file and the key.</summary>
    public static RunScope Parse(IReadOnlyDictionary<string, string> run, string runFile)
    {
        string Need(string key) => run.TryGetValue(key, out var v) ? v
            : throw new BlindSpotsException($"{runFile}: has no '{key}' (written by an older version of this program, or not by it; attack again)");
        var indices = Need(IndicesKey).Split(':');
        if (indices.Length != 2 || !TryNumber(indices[0], out int first) || !TryNumber(indices[1], out int count)
            || (long)first + count > int.MaxValue)
            throw new BlindSpotsException($"{runFile}: '{IndicesKey}' is '{run[IndicesKey]}', not FIRST:COUNT of the data set's indices");
        if (!TryNumber(Need(ClassesKey), out int classes) || classes < 1 || classes > MaxClasses)
            throw new BlindSpotsException($"{runFile}: '{ClassesKey}' is '{run[ClassesKey]}', not a class count 1..{MaxClasses}");
        if (!TryNumber(Need(ExpectedKey), out int expected) || expected > count)
            throw new BlindSpotsException($"{runFile}: '{ExpectedKey}' is '{run[ExpectedKey]}', not a count 0..{count} of the run's examples");
        return new RunScope(first, count, classes, ParseShape(Need(InputKey), runFile), expected);
    }

    private static int[] ParseShape(string text, string runFile)
    {
        var parts = text.Split('x');
        var shape = new int[parts.Length];
        long length = 1;
        bool valid = parts.Length == 3;
        for (int i = 0; i < parts.Length && valid; i++)
            valid = TryNumber(parts[i], out shape[i]) && shape[i] >= 1 && (length *= shape[i]) <= Network.Models.ArchitectureSize.MaxActivation;
        return valid ? shape : throw new BlindSpotsException($"{runFile}: '{InputKey}' is '{text}', not a shape CxHxW like 1x28x28 within the input limits");
    }

    private static bool TryNumber(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
}
