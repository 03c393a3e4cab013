using System.Diagnostics;

namespace IlgpuBlindSpots.Bench;

/// <summary>Median wall time of an operation: warmed up first (the first launch compiles the kernel), then repeated.</summary>
internal static class Timing
{
    /// <summary>
    /// Runs <paramref name="run"/> (which must include its own synchronisation) until both
    /// <paramref name="minReps"/> runs and <paramref name="minSeconds"/> have passed; returns the median seconds.
    /// </summary>
    public static double Median(Action run, int minReps = 5, double minSeconds = 0.5, int warmup = 2, double warmupSeconds = 0.5)
    {
        // Warm up by count and by time: the first case of a run otherwise also pays for the
        // process's start (thread pool growth, first launches, clock ramp-up).
        var warm = Stopwatch.StartNew();
        for (int i = 0; i < warmup || warm.Elapsed.TotalSeconds < warmupSeconds; i++) run();
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < minReps || (total.Elapsed.TotalSeconds < minSeconds && times.Count < 1000))
        {
            long t0 = Stopwatch.GetTimestamp();
            run();
            times.Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }

    /// <summary>
    /// Median seconds of two operations compared with each other: both warmed up, then run in
    /// alternation, so a change in the machine's load during the measurement falls on both alike.
    /// </summary>
    public static (double A, double B) PairedMedians(Action a, Action b, int minReps = 5, double minSeconds = 1.0, double warmupSeconds = 0.5)
    {
        var warm = Stopwatch.StartNew();
        for (int i = 0; i < 2 || warm.Elapsed.TotalSeconds < warmupSeconds; i++)
        {
            a();
            b();
        }
        var timesA = new List<double>();
        var timesB = new List<double>();
        var total = Stopwatch.StartNew();
        while (timesA.Count < minReps || (total.Elapsed.TotalSeconds < minSeconds && timesA.Count < 1000))
        {
            long t0 = Stopwatch.GetTimestamp();
            a();
            timesA.Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
            t0 = Stopwatch.GetTimestamp();
            b();
            timesB.Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
        }
        timesA.Sort();
        timesB.Sort();
        return (timesA[timesA.Count / 2], timesB[timesB.Count / 2]);
    }
}
