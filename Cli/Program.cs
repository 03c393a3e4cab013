using CommandLine;
using CommandLine.Text;
using IlgpuBlindSpots.Cli.Commands;

namespace IlgpuBlindSpots.Cli;

/// <summary>
/// The <c>blindspots</c> command: verbs <c>devices</c>, <c>train</c>, <c>eval</c>, <c>demo</c>, <c>attack</c>, <c>merge</c>, <c>stability</c>, <c>export</c>, <c>transfer</c>, <c>reproduce</c>, <c>units</c>.
/// Every user-fixable problem ends the run with one line <c>blindspots: message</c> on stderr and
/// exit code 2; files are only ever written whole.
/// </summary>
public static class Program
{
    public const int ExitBadInput = 2;
    public const int ExitInterrupted = 130;

    public static int Main(string[] args)
    {
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // The first Ctrl+C stops training between batches (the last epoch's checkpoint stays); a second one kills.
            if (cancel.IsCancellationRequested) return;
            e.Cancel = true;
            cancel.Cancel();
        };
        return Run(args, Console.Out, Console.Error, !Console.IsErrorRedirected, cancel.Token);
    }

    /// <summary>Runs a command line with the given streams; <paramref name="interactive"/> says stderr is a terminal (live \r progress).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, bool interactive = false, CancellationToken cancel = default)
    {
        var console = new CliConsole(stdout, stderr, interactive, string.Join(" ", args.Select(Quote)));
        try
        {
            using var parser = new Parser(s =>
            {
                s.HelpWriter = null;
                s.CaseInsensitiveEnumValues = true;
                s.AutoVersion = true;
            });
            var result = parser.ParseArguments<DevicesArguments, TrainArguments, EvalArguments, DemoArguments, AttackArguments, MergeArguments, StabilityArguments, ExportArguments, TransferArguments, ReproduceArguments, UnitsArguments>(args);
            return result.MapResult(
                (DevicesArguments o) => DevicesCommand.Run(o, console),
                (TrainArguments o) => TrainCommand.Run(o, console, cancel),
                (EvalArguments o) => EvalCommand.Run(o, console),
                (DemoArguments o) => DemoCommand.Run(o, console, cancel),
                (AttackArguments o) => AttackCommand.Run(o, console, cancel),
                (MergeArguments o) => MergeCommand.Run(o, console),
                (StabilityArguments o) => StabilityCommand.Run(o, console),
                (ExportArguments o) => ExportCommand.Run(o, console),
                (TransferArguments o) => TransferCommand.Run(o, console),
                (ReproduceArguments o) => ReproduceCommand.Run(o, console, cancel),
                (UnitsArguments o) => UnitsCommand.Run(o, console),
                errors => ParseFailure(result, errors, console));
        }
        catch (BlindSpotsException e)
        {
            return console.Fail(e.Message);
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine("blindspots: interrupted; what finished is kept (the last epoch's checkpoint, or every finished attack batch): continue with --resume (reproduce: run the same command again)");
            return ExitInterrupted;
        }
    }

    private static int ParseFailure<T>(ParserResult<T> result, IEnumerable<Error> errors, CliConsole console)
    {
        var list = errors.ToList();
        if (list.Any(e => e is HelpRequestedError or HelpVerbRequestedError or VersionRequestedError))
        {
            console.Out.WriteLine(list.Any(e => e is VersionRequestedError)
                ? HeadingInfo.Default.ToString()
                : HelpText.AutoBuild(result, h => h, e => e, verbsIndex: list.Any(e => e is HelpVerbRequestedError { Matched: false } or HelpRequestedError)).ToString());
            return 0;
        }
        return console.Fail(Describe(list[0]));
    }

    private static string Describe(Error e) => e switch
    {
        BadVerbSelectedError v => $"unknown command '{v.Token}'; commands: devices, train, eval, demo, attack, merge, stability, export, transfer, reproduce, units",
        NoVerbSelectedError => "no command given; commands: devices, train, eval, demo, attack, merge, stability, export, transfer, reproduce, units (add --help for options)",
        UnknownOptionError u => $"unknown option '{u.Token}'",
        MissingRequiredOptionError m => $"--{m.NameInfo.LongName} is required",
        MissingValueOptionError m => $"--{m.NameInfo.LongName} needs a value",
        BadFormatConversionError b => $"--{b.NameInfo.LongName}: not a valid value",
        BadFormatTokenError b => $"'{b.Token}' is not a valid token",
        SequenceOutOfRangeError s => $"--{s.NameInfo.LongName}: wrong number of values",
        RepeatedOptionError r => $"--{r.NameInfo.LongName} is given twice",
        SetValueExceptionError s => $"--{s.NameInfo.LongName}: {s.Exception.Message}",
        _ => $"bad command line ({e.Tag})",
    };

    private static string Quote(string a) => a.Length > 0 && a.All(c => char.IsLetterOrDigit(c) || "-_.,:/=+@".Contains(c)) ? a : $"'{a.Replace("'", "'\\''")}'";
}
