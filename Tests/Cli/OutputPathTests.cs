namespace IlgpuBlindSpots.Tests.Cli;

/// <summary>
/// Every command that writes checks where it will write before it does any work: a folder option
/// naming a file (or a file option naming a folder), a path under a file, and a place the user
/// cannot write to are one line and exit code 2, with nothing trained, attacked or printed first.
/// </summary>
public sealed class OutputPathTests : CliTest
{
    private static readonly string Sample = Path.Combine(RepoFiles.DataRoot, "sample");

    /// <summary>Each writing command with its output option; OUT stands for the path under test, FOLDER for a finished attack.</summary>
    public static TheoryData<string, bool, string[]> Commands => new()
    {
        { "attack", true, ["attack", "--model", Model, "--data", "sample", "--range", "0:3", "--device", TestDevice.Spec, "--out", "OUT"] },
        { "merge", true, ["merge", "FOLDER", "--out", "OUT"] },
        { "transfer", true, ["transfer", "--sets", "FOLDER", "--models", Model, "--device", TestDevice.Spec, "--out", "OUT"] },
        { "units", true, ["units", "--model", Model, "--layer", "sigmoid@1", "--data", Sample, "--range", "0:50", "--device", TestDevice.Spec, "--out", "OUT"] },
        { "demo", true, ["demo", "--examples", "2", "--device", TestDevice.Spec, "--out", "OUT"] },
        { "reproduce", true, ["reproduce", "--profile", "tiny", "--data", Sample, "--device", TestDevice.Spec, "--out", "OUT"] },
        { "train", false, ["train", "--arch", "fc:10", "--data", Sample, "--epochs", "1", "--device", TestDevice.Spec, "--out", "OUT"] },
        { "stability", false, ["stability", "--model", Model, "--device", TestDevice.Spec, "--out", "OUT"] },
        { "eval", false, ["eval", "--model", Model, "--data", Sample, "--device", TestDevice.Spec, "--predictions", "OUT"] },
        { "export", false, ["export", "--model", Model, "--onnx", "OUT"] },
    };

    private string[] Fill(string[] args, string output)
    {
        if (args.Contains("FOLDER"))
        {
            string run = folder.File("finished");
            if (!Directory.Exists(run))
                Assert.Equal(0, CliRun.Run("attack", "--model", Model, "--data", "sample", "--range", "0:3", "--device", TestDevice.Spec, "--out", run).Code);
            args = args.Select(a => a == "FOLDER" ? run : a).ToArray();
        }
        return args.Select(a => a == "OUT" ? output : a).ToArray();
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void AnOutputOfTheWrongKindIsRefusedBeforeAnyWork(string command, bool wantsFolder, string[] args)
    {
        string wrongKind = wantsFolder ? folder.Write("a-file", [1, 2, 3]) : folder.File("a-folder.onnx");
        if (!wantsFolder) Directory.CreateDirectory(wrongKind);
        string line = CliRun.Refused(CliRun.Run(Fill(args, wrongKind)));
        Assert.Contains(wantsFolder ? "is a file; a folder is needed" : "is a folder; a file name is needed", line);

        string underAFile = Path.Combine(folder.Write("plain", [1]), "sub", "out.onnx");
        line = CliRun.Refused(CliRun.Run(Fill(args, underAFile)));
        Assert.Contains($"{folder.File("plain")} is a file, so nothing can be created under it", line);
        Assert.True(command.Length > 0);
    }

    [NonRootFact]
    public void AnOutputTheUserCannotWriteIsRefusedBeforeAnyWork()
    {
        // Owned by root, readable by all, writable by none but root; the commands run as nobody.
        string locked = folder.File("locked");
        Directory.CreateDirectory(Path.Combine(locked, "run"));
        Assert.Equal(0, CliRun.Run("attack", "--model", Model, "--data", "sample", "--range", "0:3", "--device", TestDevice.Spec,
            "--out", Path.Combine(locked, "run")).Code);
        Fill(["FOLDER"], "");
        if (!OperatingSystem.IsLinux()) return; // NonRootFact runs it on Linux only.
        File.SetUnixFileMode(folder.Path, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(locked, (UnixFileMode)0b101_101_101);
        File.SetUnixFileMode(Path.Combine(locked, "run"), (UnixFileMode)0b101_101_101);
        var cases = Commands.Select(row => ((string)row[0], (bool)row[1], (string[])row[2])).ToList();
        cases.Add(("attack --resume", true, [.. cases[0].Item3, "--resume"]));
        foreach (var (command, wantsFolder, args) in cases)
        {
            string output = command == "attack --resume" ? Path.Combine(locked, "run") : Path.Combine(locked, wantsFolder ? "out" : "out.onnx");
            var result = ChildRun.Run(asNobody: true, Fill(args, output));
            Assert.True(result.Code == 2, $"{command}: exit {result.Code}, {result.Err}");
            Assert.Equal("", result.Out);
            string line = result.Err.Trim();
            Assert.DoesNotContain('\n', line);
            Assert.StartsWith("blindspots: ", line);
            Assert.Contains($"cannot write in {(command == "attack --resume" ? Path.Combine(locked, "run") : locked)}", line);
        }
        Assert.Equal(["run"], Directory.GetFileSystemEntries(locked).Select(Path.GetFileName));
    }

    /// <summary>A test that needs to run a command as another user; skipped, saying why, where that cannot be done.</summary>
    private sealed class NonRootFactAttribute : FactAttribute
    {
        public NonRootFactAttribute()
        {
            if (ChildRun.CannotRunAsNobody(Model, Sample) is { } why) Skip = $"cannot run a command as a non-root user here: {why}";
        }
    }
}
