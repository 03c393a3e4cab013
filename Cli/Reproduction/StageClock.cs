using System.Diagnostics;
using System.Text.Json;

namespace IlgpuBlindSpots.Cli.Reproduction;

/// <summary>
/// Progress of a reproduction by stage: prints each stage as it starts and ends with the elapsed
/// time and an ETA (remaining stages weighted by their estimated work, at the pace of the work done
/// so far), and keeps every stage's wall time in <c>stages.json</c> so that a resumed run's report
/// still counts the time spent before the interruption.
/// </summary>
internal sealed class StageClock
{
    public const string File = "stages.json";
    private readonly CliConsole console;
    private readonly string path;
    private readonly IReadOnlyList<(string Name, double Work)> stages;
    private readonly Dictionary<string, double> seconds;
    private readonly Stopwatch total = Stopwatch.StartNew();
    private double workDone, workSeconds;
    private int next;

    public StageClock(CliConsole console, string folder, IReadOnlyList<(string Name, double Work)> stages)
    {
        this.console = console;
        this.stages = stages;
        path = Path.Combine(folder, File);
        seconds = System.IO.File.Exists(path)
            ? JsonSerializer.Deserialize<Dictionary<string, double>>(System.IO.File.ReadAllText(path)) ?? []
            : [];
    }

    /// <summary>Wall seconds per stage over all runs into this folder, in stage order.</summary>
    public IReadOnlyList<(string Name, double Seconds)> Times =>
        stages.Select(s => (s.Name, seconds.GetValueOrDefault(s.Name))).ToList();

    public TimeSpan Elapsed => total.Elapsed;

    /// <summary>Runs the next stage; <paramref name="body"/> returns false when it found its result already made.</summary>
    public void Run(Func<bool> body)
    {
        var (name, work) = stages[next];
        console.Error.WriteLine($"[{next + 1}/{stages.Count}] {name} …");
        var clock = Stopwatch.StartNew();
        bool worked = body();
        double s = clock.Elapsed.TotalSeconds;
        if (worked)
        {
            seconds[name] = seconds.GetValueOrDefault(name) + s;
            AtomicFile.Write(path, stream => JsonSerializer.Serialize(stream, seconds, new JsonSerializerOptions { WriteIndented = true }));
            workDone += work;
            workSeconds += s;
        }
        next++;
        double remaining = stages.Skip(next).Sum(st => st.Work);
        string eta = workDone > 0 && remaining > 0 ? $", ETA {Format(TimeSpan.FromSeconds(remaining * workSeconds / workDone))}" : "";
        console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[{next}/{stages.Count}] {name}: {(worked ? $"done in {s:F1} s" : "already made, reused")}; elapsed {Format(total.Elapsed)}{eta}"));
    }

    public static string Format(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:D2}m" : $"{t.Minutes}m{t.Seconds:D2}s";
}
