using System.Diagnostics;

namespace IlgpuBlindSpots.Cli.AttackRuns;

/// <summary>
/// Live progress of an attack on stderr after every batch: examples done, success so far, mean
/// distortion so far, examples/s, ETA; one line per batch when stderr is not a terminal.
/// </summary>
internal sealed class AttackProgress(CliConsole console, int total, IReadOnlyList<ResultRecord> before)
{
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private int done, attacked = before.Count(r => !r.AlreadyMisclassified), succeeded = before.Count(r => r.Success && !r.AlreadyMisclassified);
    private double distortionSum = before.Where(r => r.Success && !r.AlreadyMisclassified).Sum(r => r.Distortion);

    public void Report(IReadOnlyList<ResultRecord> batch)
    {
        done += batch.Count;
        foreach (var r in batch.Where(r => !r.AlreadyMisclassified))
        {
            attacked++;
            if (!r.Success) continue;
            succeeded++;
            distortionSum += r.Distortion;
        }
        double rate = done / Math.Max(1e-9, clock.Elapsed.TotalSeconds);
        var eta = TimeSpan.FromSeconds((total - done) / Math.Max(1e-9, rate));
        string line = string.Create(CultureInfo.InvariantCulture,
            $"{done}/{total} examples  success {100.0 * succeeded / Math.Max(1, attacked):F1}%  mean distortion {distortionSum / Math.Max(1, succeeded):F4}  {rate:F1} examples/s  ETA {eta:hh\\:mm\\:ss}");
        if (console.Interactive) console.Error.Write("\r" + line);
        else console.Error.WriteLine(line);
        console.Error.Flush();
    }

    public void Finish()
    {
        if (console.Interactive) console.Error.WriteLine();
    }
}
