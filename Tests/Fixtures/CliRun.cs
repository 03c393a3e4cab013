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
}
