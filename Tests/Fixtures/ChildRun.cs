using System.Diagnostics;
using System.Runtime.InteropServices;

namespace IlgpuBlindSpots.Tests.Fixtures;

/// <summary>
/// The <c>blindspots</c> command run as a separate process (the built <c>blindspots.dll</c> beside the
/// tests), for what an in-process run cannot show: the peak memory of a whole command, and a run as
/// another (non-root) user.
/// </summary>
internal static class ChildRun
{
    /// <summary>The unprivileged user a command is run as to test permissions (nobody).</summary>
    public const int NobodyId = 65534;

    public sealed record Result(int Code, string Out, string Err, long PeakRssBytes);

    /// <summary>
    /// Runs <c>blindspots ARGS</c>; with <paramref name="asNobody"/> through <c>setpriv</c> (or
    /// <c>runuser</c>) as user nobody. The peak resident memory is the largest of every child this
    /// test process has waited for (Linux getrusage of RUSAGE_CHILDREN): an upper bound on this
    /// command's own, as the only children the tests start are these small commands.
    /// </summary>
    public static Result Run(bool asNobody, params string[] args)
    {
        using var process = Process.Start(StartInfo(asNobody, args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"blindspots {string.Join(" ", args)} ran over 2 minutes");
        }
        process.WaitForExit();
        return new Result(process.ExitCode, stdout.Result, stderr.Result, ChildrenPeakRss());
    }

    /// <summary>Starts <c>blindspots ARGS</c> without waiting (its output is discarded), to be killed.</summary>
    public static Process Start(string[] args)
    {
        var start = StartInfo(false, args);
        start.RedirectStandardOutput = start.RedirectStandardError = false;
        start.StandardOutputEncoding = null;
        var process = Process.Start(start)!;
        return process;
    }

    /// <summary>Kills a started command at once (SIGKILL, as kill -9) and waits for it to be gone.</summary>
    public static void Kill(Process process)
    {
        try { process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
        process.WaitForExit();
        process.Dispose();
    }

    private static ProcessStartInfo StartInfo(bool asNobody, string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "blindspots.dll");
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (asNobody)
        {
            string? setpriv = Which("setpriv");
            if (setpriv != null)
            {
                start.FileName = setpriv;
                foreach (string a in new[] { $"--reuid={NobodyId}", $"--regid={NobodyId}", "--clear-groups", "dotnet" }) start.ArgumentList.Add(a);
            }
            else
            {
                start.FileName = Which("runuser") ?? throw new InvalidOperationException("neither setpriv nor runuser is installed");
                foreach (string a in new[] { "-u", "nobody", "--", "dotnet" }) start.ArgumentList.Add(a);
            }
        }
        else start.FileName = "dotnet";
        start.ArgumentList.Add(dll);
        foreach (string a in args) start.ArgumentList.Add(a);
        start.Environment["DOTNET_CLI_HOME"] = Path.GetTempPath();
        start.Environment["HOME"] = Path.GetTempPath();
        return start;
    }

    /// <summary>Whether a command can be run as another user here: root, on Linux, with setpriv or runuser.</summary>
    public static string? CannotDropPrivileges()
    {
        if (!OperatingSystem.IsLinux()) return "not Linux";
        if (Environment.UserName != "root" && geteuid() != 0) return "not running as root, so no other user can be switched to";
        return Which("setpriv") == null && Which("runuser") == null ? "neither setpriv nor runuser is installed" : null;
    }

    public static string? Which(string tool) =>
        new[] { "/usr/bin", "/bin", "/usr/sbin", "/sbin" }.Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);

    private static long ChildrenPeakRss()
    {
        if (getrusage(RusageChildren, out var usage) != 0) throw new InvalidOperationException("getrusage failed");
        return usage.MaxRssKilobytes * 1024;
    }

    private const int RusageChildren = -1;

    /// <summary>Linux x86-64/arm64 struct rusage: two timevals, then ru_maxrss and 13 more longs.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Rusage
    {
        public long UserSeconds, UserMicros, SystemSeconds, SystemMicros;
        public long MaxRssKilobytes;
        public long Ixrss, Idrss, Isrss, Minflt, Majflt, Nswap, Inblock, Oublock, Msgsnd, Msgrcv, Nsignals, Nvcsw, Nivcsw;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int getrusage(int who, out Rusage usage);

    [DllImport("libc")]
    private static extern uint geteuid();
}
