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
    /// <c>runuser</c>) as user nobody. No memory figure (−1): see <see cref="RunMeasured"/>.
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
        return new Result(process.ExitCode, stdout.Result, stderr.Result, -1);
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
        var start = asNobody ? AsNobody("dotnet") : new ProcessStartInfo("dotnet");
        start.RedirectStandardOutput = start.RedirectStandardError = true;
        start.UseShellExecute = false;
        start.ArgumentList.Add(dll);
        foreach (string a in args) start.ArgumentList.Add(a);
        start.Environment["DOTNET_CLI_HOME"] = Path.GetTempPath();
        start.Environment["HOME"] = Path.GetTempPath();
        return start;
    }

    /// <summary>A start of <paramref name="program"/> as user nobody, through <c>setpriv</c> or else <c>runuser</c>.</summary>
    private static ProcessStartInfo AsNobody(string program)
    {
        string? setpriv = Which("setpriv");
        var start = new ProcessStartInfo(setpriv ?? Which("runuser") ?? throw new InvalidOperationException("neither setpriv nor runuser is installed"));
        string[] prefix = setpriv != null ? [$"--reuid={NobodyId}", $"--regid={NobodyId}", "--clear-groups"] : ["-u", "nobody", "--"];
        foreach (string a in prefix) start.ArgumentList.Add(a);
        start.ArgumentList.Add(program);
        return start;
    }

    /// <summary>Whether a command can be run as another user here: root, on Linux, with setpriv or runuser.</summary>
    public static string? CannotDropPrivileges()
    {
        if (!OperatingSystem.IsLinux()) return "not Linux";
        if (Environment.UserName != "root" && geteuid() != 0) return "not running as root, so no other user can be switched to";
        return Which("setpriv") == null && Which("runuser") == null ? "neither setpriv nor runuser is installed" : null;
    }

    /// <summary>
    /// Whether a command can be run here as user nobody that reads <paramref name="paths"/> (and the
    /// built command itself): besides <see cref="CannotDropPrivileges"/>, a checkout under a folder
    /// closed to other users (a 0700 temporary folder, a private home) keeps nobody from the files.
    /// Asked of nobody directly, since permission bits, ACLs and mount options all decide it.
    /// </summary>
    public static string? CannotRunAsNobody(params string[] paths)
    {
        if (CannotDropPrivileges() is { } why) return why;
        string[] needed = [Path.Combine(AppContext.BaseDirectory, "blindspots.dll"), .. paths];
        var probe = AsNobody("/bin/sh");
        probe.RedirectStandardOutput = true;
        probe.UseShellExecute = false;
        string[] script = ["-c", "for p; do [ -r \"$p\" ] && { [ ! -d \"$p\" ] || [ -x \"$p\" ]; } || { echo \"$p\"; exit 1; }; done", "sh", .. needed];
        foreach (string a in script) probe.ArgumentList.Add(a);
        using var process = Process.Start(probe)!;
        string unreadable = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return process.ExitCode == 0 ? null : $"user nobody cannot read {unreadable} (a folder above it is closed to other users)";
    }

    public static string? Which(string tool) =>
        new[] { "/usr/bin", "/bin", "/usr/sbin", "/sbin" }.Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);

    /// <summary>
    /// Runs <c>blindspots ARGS</c> and measures its own peak resident memory. A process started
    /// straight from this (large) test process inherits its memory high-water mark at exec, as Linux
    /// folds the shared address space's peak into the new program's; so a small shell starts the
    /// command in the background, prints its pid and exits, the command is re-parented to this process
    /// (a child subreaper) and reaped here with wait4, whose figure is then the command's alone (plus
    /// the shell's few pages). .NET's Process class reaps only the children it started itself.
    /// </summary>
    public static Result RunMeasured(params string[] args)
    {
        using var files = new TempFolder();
        if (prctl(SetChildSubreaper, 1, 0, 0, 0) != 0) throw new InvalidOperationException("prctl(PR_SET_CHILD_SUBREAPER) failed");
        string dll = Path.Combine(AppContext.BaseDirectory, "blindspots.dll");
        string Quote(string a) => "'" + a.Replace("'", "'\\''") + "'";
        string command = $"dotnet {Quote(dll)} {string.Join(" ", args.Select(Quote))} >{Quote(files.File("out"))} 2>{Quote(files.File("err"))} </dev/null & echo $! >{Quote(files.File("pid"))}";
        string[] argv = ["/bin/sh", "-c", command, null!];
        string[] envp = [.. Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>().Select(e => $"{e.Key}={e.Value}"), null!];
        int error = posix_spawn(out int shell, "/bin/sh", IntPtr.Zero, IntPtr.Zero, argv, envp);
        if (error != 0) throw new InvalidOperationException($"posix_spawn failed: {error}");
        Reap(shell, args);
        int pid = int.Parse(File.ReadAllText(files.File("pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var (status, usage) = Reap(pid, args);
        int code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);
        return new Result(code, File.ReadAllText(files.File("out")), File.ReadAllText(files.File("err")), usage.MaxRssKilobytes * 1024);
    }

    private static (int Status, Rusage Usage) Reap(int pid, string[] args)
    {
        var clock = Stopwatch.StartNew();
        int status, got;
        Rusage usage;
        while ((got = wait4(pid, out status, WaitNoHang, out usage)) == 0)
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(2))
            {
                kill(pid, 9);
                wait4(pid, out _, 0, out _);
                throw new TimeoutException($"blindspots {string.Join(" ", args)} ran over 2 minutes");
            }
            Thread.Sleep(10);
        }
        if (got != pid) throw new InvalidOperationException($"wait4({pid}) failed: {Marshal.GetLastPInvokeError()}");
        return (status, usage);
    }

    private const int SetChildSubreaper = 36;

    [DllImport("libc", SetLastError = true)]
    private static extern int prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);

    private const int WaitNoHang = 1;

    /// <summary>Linux x86-64/arm64 struct rusage: two timevals, then ru_maxrss and 13 more longs.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Rusage
    {
        public long UserSeconds, UserMicros, SystemSeconds, SystemMicros;
        public long MaxRssKilobytes;
        public long Ixrss, Idrss, Isrss, Minflt, Majflt, Nswap, Inblock, Oublock, Msgsnd, Msgrcv, Nsignals, Nvcsw, Nivcsw;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int posix_spawn(out int pid, [MarshalAs(UnmanagedType.LPStr)] string path, IntPtr fileActions, IntPtr attributes,
        [MarshalAs(UnmanagedType.LPArray, ArraySubType = UnmanagedType.LPStr)] string[] argv,
        [MarshalAs(UnmanagedType.LPArray, ArraySubType = UnmanagedType.LPStr)] string[] envp);

    [DllImport("libc", SetLastError = true)]
    private static extern int wait4(int pid, out int status, int options, out Rusage usage);

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    [DllImport("libc")]
    private static extern uint geteuid();
}
