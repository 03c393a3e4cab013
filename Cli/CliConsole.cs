namespace IlgpuBlindSpots.Cli;

/// <summary>The streams a command writes to, whether stderr is a terminal, and the command line as typed (for model records).</summary>
internal sealed class CliConsole(TextWriter stdout, TextWriter stderr, bool interactive, string arguments)
{
    public TextWriter Out { get; } = stdout;
    public TextWriter Error { get; } = stderr;
    public bool Interactive { get; } = interactive;
    /// <summary>The command line, <c>blindspots ARGS</c>.</summary>
    public string CommandLine { get; } = "blindspots " + arguments;

    /// <summary>Reports a user-fixable problem as one line and returns exit code 2.</summary>
    public int Fail(string message)
    {
        Error.WriteLine($"blindspots: {message.ReplaceLineEndings(" ")}");
        return Program.ExitBadInput;
    }
}
