using IlgpuBlindSpots.Cli;

namespace IlgpuBlindSpots.Tests.Fixtures;

/// <summary>The <c>blindspots</c> command run in-process, its output captured.</summary>
internal static class CliRun
{
    /// <summary>Runs one command line; returns its exit code, stdout and stderr.</summary>
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>
    /// Asserts the project's answer to bad input: exit code 2, nothing on stdout, and one line on
    /// stderr starting <c>blindspots: </c>; returns that line for the caller's checks of its words.
    /// </summary>
    public static string Refused((int Code, string Out, string Err) result)
    {
        Assert.Equal(2, result.Code);
        Assert.Equal("", result.Out);
        string line = result.Err.TrimEnd('\n', '\r');
        Assert.DoesNotContain('\n', line);
        Assert.StartsWith("blindspots: ", line);
        return line;
    }
}
