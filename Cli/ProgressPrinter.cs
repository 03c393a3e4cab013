using IlgpuBlindSpots.Network.Training;

namespace IlgpuBlindSpots.Cli;

/// <summary>
/// Training progress on stderr: on a terminal one line rewritten with <c>\r</c> a few times a
/// second; otherwise (a file, a pipe) no control characters, one line per finished epoch.
/// </summary>
internal sealed class ProgressPrinter(CliConsole console)
{
    private int lastLength;

    public void Report(TrainingProgress p)
    {
        string line = Format(p);
        if (console.Interactive)
        {
            console.Error.Write("\r" + line.PadRight(lastLength));
            lastLength = line.Length;
            if (p.EpochDone)
            {
                console.Error.WriteLine();
                lastLength = 0;
            }
        }
        else if (p.EpochDone)
        {
            console.Error.WriteLine(line);
        }
        console.Error.Flush();
    }

    public static string Format(TrainingProgress p) => string.Create(CultureInfo.InvariantCulture,
        $"{(p.Stage is null ? "" : p.Stage + ": ")}epoch {p.Epoch}/{p.Epochs} {p.ExamplesDone}/{p.ExamplesPerEpoch}  loss {p.Loss:F4}  accuracy {100 * p.Accuracy:F2}%  lr {p.LearningRate:G3}  {p.ExamplesPerSecond:F0} examples/s  elapsed {Clock(p.Elapsed)}  ETA {Clock(p.EstimatedRemaining)}");

    private static string Clock(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t:mm\\:ss}" : $"{t:mm\\:ss}";
}
