using System.Security.Cryptography;
using IlgpuBlindSpots.Cli.AttackRuns;
using IlgpuBlindSpots.Cli.Reproduction;
using IlgpuBlindSpots.Cli.Transfer;
using IlgpuBlindSpots.Network.Training;
using IlgpuBlindSpots.Optimizer.Transfer;

namespace IlgpuBlindSpots.Cli.Commands;

/// <summary>
/// <c>reproduce</c>: the paper's MNIST experiments end to end — train (or reuse) every model, attack
/// each, run both transfer tables, write <c>REPORT.md</c> with the paper's numbers beside these.
/// Every stage's result is a file, so a second run into the same folder picks up where one stopped.
/// </summary>
internal static class ReproduceCommand
{
    public const string ReportFile = "REPORT.md";

    public static int Run(ReproduceArguments o, CliConsole console, CancellationToken cancel)
    {
        var profile = ChooseProfile(o);
        if (o.MaxEpochs is < 1) throw new BlindSpotsException($"--max-epochs must be a positive integer, got {o.MaxEpochs}");
        string outDir = string.IsNullOrWhiteSpace(o.Out) ? Path.Combine("out", $"reproduce-{profile.Name}-{Path.GetFileName(Path.TrimEndingDirectorySeparator(o.Data))}") : o.Out;
        string trainedDir = Path.Combine(outDir, "models");
        if (o.Models != null && !Directory.Exists(o.Models))
            throw new BlindSpotsException($"--models {o.Models}: no such folder");
        OutputPath.CheckFolder("--out", outDir);
        Directory.CreateDirectory(trainedDir);

        var trainSet = DataLocator.Load(o.Data, DatasetSplit.Train, null);
        int trainCount = trainSet.Count;
        var stages = new List<(string, double)>();
        foreach (var m in profile.Models) stages.Add(($"train {m.Name}", TrainingWork(m, trainCount, trainSet.ImageSize)));
        foreach (var m in profile.Models) stages.Add(($"attack {m.Name}", 1 + profile.AttackCount / 50.0));
        stages.Add(("transfer: Table 2", 1));
        stages.Add(("transfer: Table 4", 1));
        var clock = new StageClock(console, outDir, stages);
        console.Error.WriteLine($"reproduce: {profile.Label}; data {o.Data}; output {outDir}");

        using var device = ComputeDevice.Open(o.Device);
        var modelFiles = new Dictionary<string, string>();
        foreach (var recipe in profile.Models)
            clock.Run(() =>
            {
                cancel.ThrowIfCancellationRequested();
                var (file, trained) = TrainOrReuse(recipe, o, trainCount, trainedDir, console, cancel);
                modelFiles[recipe.Name] = file;
                return trained;
            });

        var attackDirs = new Dictionary<string, string>();
        foreach (var recipe in profile.Models)
            clock.Run(() =>
            {
                cancel.ThrowIfCancellationRequested();
                string dir = Path.Combine(outDir, "attacks", recipe.Name);
                attackDirs[recipe.Name] = dir;
                return Attack(modelFiles[recipe.Name], dir, profile, o, console, cancel);
            });

        TransferMatrix? table2 = null, table4 = null;
        List<AdversarialSet> table1Sets = [];
        clock.Run(() =>
        {
            table1Sets = profile.Table1.Select(m => AdversarialSet.Load(attackDirs[m.Name])).ToList();
            table2 = TransferExperiment.Run(device, table1Sets,
                profile.Table1.Select(m => modelFiles[m.Name]).ToList(), null, [0.1, 0.3], o.Seed, 1000);
            TransferTables.Write(Path.Combine(outDir, "transfer-table2"), table2, "Table 2: cross-model generalization");
            return true;
        });
        clock.Run(() =>
        {
            table4 = TransferExperiment.Run(device, profile.Table3.Select(m => attackDirs[m.Name]).ToList(),
                profile.Table3.Select(m => modelFiles[m.Name]).ToList(), 0.1, [0.06, 0.1], o.Seed, 1000);
            TransferTables.Write(Path.Combine(outDir, "transfer-table4"), table4, "Table 4: cross-training-set generalization");
            return true;
        });

        var linear = profile.Table1.First(m => m.Preset == "fc10-1e-4");
        var sigmoid = profile.Table1.First(m => m.Preset == "fc200-200-10");
        var figure7 = PaperFigures.WriteFigure7(device, outDir, table1Sets.First(s => s.Folder == attackDirs[linear.Name]), table1Sets.First(s => s.Folder == attackDirs[sigmoid.Name]),
            modelFiles[sigmoid.Name], o.Seed);
        var report = new ReproductionReport(profile, o.Data, o.MaxEpochs, outDir, device.Description, console.CommandLine, clock, modelFiles, attackDirs,
            table2!, table4!, figure7);
        report.Write(Path.Combine(outDir, ReportFile));
        console.Out.WriteLine($"reproduce: report in {Path.Combine(outDir, ReportFile)} ({StageClock.Format(clock.Elapsed)} this run)");
        return 0;
    }

    private static ReproductionProfile ChooseProfile(ReproduceArguments o)
    {
        if (o.Quick && o.Full) throw new BlindSpotsException("--quick and --full: choose one profile");
        string name = o.Full ? "full" : o.Quick ? "quick" : o.Profile ?? "quick";
        if ((o.Quick || o.Full) && o.Profile != null && o.Profile != name)
            throw new BlindSpotsException($"--profile {o.Profile} contradicts --{name}");
        return ReproductionProfile.All.FirstOrDefault(p => p.Name == name.ToLowerInvariant())
               ?? throw new BlindSpotsException($"--profile '{name}': expected {string.Join(", ", ReproductionProfile.All.Select(p => p.Name))}");
    }

    /// <summary>
    /// A rough cost, so the ETA weighs a long training more than a short one: examples × epochs ×
    /// the multiply-adds of the spec's fully connected layers (the reproduction's models have no
    /// others), plus a constant for start-up and evaluation.
    /// </summary>
    private static double TrainingWork(ModelRecipe m, int trainCount, int inputLength)
    {
        var preset = Presets.Get(m.Preset);
        int examples = m.Range == null ? trainCount : DataLocator.ParseRange(m.Range).Count;
        int epochs = m.Epochs ?? preset.Options.Epochs;
        double multiplyAdds = 0;
        int width = inputLength;
        foreach (string layer in preset.Architecture.Split(','))
            if (layer.StartsWith("fc:", StringComparison.Ordinal) && int.TryParse(layer[3..], NumberStyles.None, CultureInfo.InvariantCulture, out int outputs))
            {
                multiplyAdds += (double)width * outputs;
                width = outputs;
            }
        return 2 + examples * (double)epochs * multiplyAdds / 1e8;
    }

    private static TrainArguments TrainOptionsFor(ModelRecipe m, ReproduceArguments o, string outFile)
    {
        int? epochs = m.Epochs ?? Presets.Get(m.Preset).Options.Epochs;
        if (o.MaxEpochs is { } cap && epochs > cap) epochs = cap;
        return new TrainArguments
        {
            Preset = m.Preset, Data = o.Data, Range = m.Range, Epochs = epochs, Seed = m.Seed, Device = o.Device, Out = outFile,
            Optimizer = m.Optimizer, LearningRate = m.LearningRate,
        };
    }

    /// <summary>
    /// The model of <paramref name="recipe"/>: a file in --models or in the output folder whose
    /// training record has the same recipe, or else trained now into the output folder (resuming
    /// from its checkpoint when one is there). A cached file with another recipe is never used, and
    /// never overwritten when it is in --models; the re-run is announced with the key that differs.
    /// </summary>
    private static (string File, bool Trained) TrainOrReuse(ModelRecipe recipe, ReproduceArguments o, int trainCount, string trainedDir,
        CliConsole console, CancellationToken cancel)
    {
        string target = Path.Combine(trainedDir, recipe.Name + ".safetensors");
        var train = TrainOptionsFor(recipe, o, target);
        var wanted = TrainCommand.Recipe(train, trainCount);
        foreach (string folder in new[] { o.Models, trainedDir }.OfType<string>())
        {
            string file = Path.Combine(folder, recipe.Name + ".safetensors");
            if (!File.Exists(file)) continue;
            var record = SafetensorsFile.Read(file).Metadata;
            var differs = wanted.FirstOrDefault(kv => record.GetValueOrDefault(kv.Key) != kv.Value);
            if (differs.Key == null)
            {
                console.Error.WriteLine($"{file}: trained with this recipe; reused");
                return (file, false);
            }
            console.Error.WriteLine($"{file}: trained with {differs.Key} = {record.GetValueOrDefault(differs.Key) ?? "(none)"}, this profile needs {differs.Value}; not reused");
        }
        train.Resume = File.Exists(TrainCommand.CheckpointPath(target));
        console.Error.WriteLine($"training {recipe.Name} ({recipe.PaperName}) into {target}{(train.Resume ? ", resuming from its checkpoint" : "")}");
        TrainCommand.Run(train, console, cancel);
        return (target, true);
    }

    /// <summary>
    /// Attacks the first examples of the test split with target (y+1) mod classes, continuing an
    /// interrupted run. An output made for another model file or another range is discarded and made
    /// again, and the console says so.
    /// </summary>
    private static bool Attack(string modelFile, string dir, ReproductionProfile profile, ReproduceArguments o, CliConsole console,
        CancellationToken cancel)
    {
        var options = new AttackArguments
        {
            Model = modelFile, Data = o.Data, Split = "test", Range = $"0:{profile.AttackCount}", Target = "next",
            Batch = profile.AttackBatch, Device = o.Device, Out = dir, Seed = o.Seed,
        };
        string runFile = Path.Combine(dir, RunFolder.RunFile);
        if (File.Exists(runFile))
        {
            var run = RunFolder.ReadDescription(runFile);
            string hash;
            using (var stream = File.OpenRead(modelFile)) hash = Convert.ToHexStringLower(SHA256.HashData(stream));
            if (run.GetValueOrDefault("model_sha256") != hash || run.GetValueOrDefault("examples") != $"0:{profile.AttackCount} of {profile.AttackCount}")
            {
                console.Error.WriteLine($"{dir}: made for another model or range; attacking again");
                Directory.Delete(dir, recursive: true);
            }
            else if (File.Exists(Path.Combine(dir, RunFolder.CompleteFile)))
            {
                // A finished attack is reused only if it reads back whole; a damaged one is one line, not a silent redo.
                RunReader.ReadComplete(dir);
                return false;
            }
            else options.Resume = true;
        }
        AttackCommand.Run(options, console, cancel);
        return true;
    }
}
