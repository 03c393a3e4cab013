using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using IlgpuBlindSpots.Network.Models;
using IlgpuBlindSpots.Network.Training;
using IlgpuBlindSpots.Cli.TrainingRuns;
using IlgpuBlindSpots.Optimizer.Attacks;
using Spectre.Console;

namespace IlgpuBlindSpots.Cli.Commands;

internal static class TrainCommand
{
    public static int Run(TrainArguments o, CliConsole console, CancellationToken cancel)
    {
        var (arch, options) = Resolve(o);
        options.Validate();
        var poolOptions = PoolOptions(o, options);
        ArchitectureSpec.Parse(arch);
        if (string.IsNullOrWhiteSpace(o.Out)) throw new BlindSpotsException("--out is required: the .safetensors file to write");
        OutputPath.CheckFile("--out", o.Out);
        string checkpoint = CheckpointPath(o.Out);
        if (o.Resume && !File.Exists(checkpoint))
            throw new BlindSpotsException($"--resume: no checkpoint {checkpoint} (it is written beside --out after each epoch)");

        var train = DataLocator.Load(o.Data, DatasetSplit.Train, o.Range);
        Dataset? test = TryLoadTest(o.Data);
        using var device = ComputeDevice.Open(o.Device);
        using var model = o.Init != null
            ? InitialModel(device, o.Init, train)
            : SequentialModel.Create(device, arch, [train.Channels, train.Height, train.Width]);
        if (o.Init == null) model.Initialize(options.Seed);
        var pretraining = o.Arch == null && o.Preset != null && o.Init == null ? Presets.Get(o.Preset).Pretraining : null;
        if (pretraining != null && !o.Resume)
        {
            var stagePrinter = new ProgressPrinter(console);
            pretraining.Initialize(model.AsChain("autoencoder pretraining"), train, (stage, p) => stagePrinter.Report(p with { Stage = stage }), cancel);
        }
        using var owned = new OwnedPools();
        var pools = owned.Items;
        if (poolOptions != null)
            foreach (int layer in PoolLayers(o.PoolLayers, model))
                pools.Add(new AdversarialPool(model, train, poolOptions with { Layer = layer }));
        using var trainer = new Trainer(model, train, options, pools);
        if (o.Resume)
        {
            trainer.Resume(checkpoint);
            console.Error.WriteLine($"resuming after epoch {trainer.EpochsDone} of {options.Epochs} from {checkpoint}");
        }

        var run = new TrainingRecord(o.Out, arch, o.Data, o.Range ?? $"0:{train.Count}", train.Count, options, pools, model.ParameterCount, device);
        var record = Record(o, options, arch, train.Count, device, console.CommandLine);
        run.AddPoolSettings(record);
        var printer = new ProgressPrinter(console);
        var summary = trainer.Train(printer.Report, checkpoint, record, cancel);
        run.Finish(summary, trainer.EvaluateTrainingData(), test != null ? Evaluator.Evaluate(model, test) : null);
        run.AddResults(record);
        ModelFile.Save(o.Out, model, record);
        TryDelete(checkpoint);

        if (o.Json) console.Out.WriteLine(JsonSerializer.Serialize(run.Json()));
        Render(o.Json ? console.Error : console.Out, run.Table());
        return 0;
    }

    public static string CheckpointPath(string output) => output + ".checkpoint";

    /// <summary>The run's pools, freed together (one per --pool-layers entry).</summary>
    private sealed class OwnedPools : IDisposable
    {
        public List<AdversarialPool> Items { get; } = [];

        public void Dispose()
        {
            foreach (var p in Items) p.Dispose();
        }
    }

    private static (string Arch, TrainingOptions Options) Resolve(TrainArguments o)
    {
        Preset? preset = o.Preset != null ? Presets.Get(o.Preset) : null;
        string? initArch = o.Init != null ? InitialArchitecture(o.Init) : null;
        string arch = initArch ?? o.Arch ?? preset?.Architecture
            ?? throw new BlindSpotsException("--preset, --arch or --init is required (e.g. --preset fc100-100-10)");
        string? asked = o.Arch ?? preset?.Architecture;
        if (initArch != null && asked != null && ArchitectureSpec.Parse(asked).ToString() != initArch)
            throw new BlindSpotsException($"--init {o.Init}: holds {initArch}, not the asked {ArchitectureSpec.Parse(asked)}");
        var d = preset?.Options ?? new TrainingOptions(Epochs: 10, BatchSize: 100, LearningRate: 1e-3);
        var options = d with
        {
            Epochs = o.Epochs ?? d.Epochs,
            BatchSize = o.Batch ?? d.BatchSize,
            LearningRate = o.LearningRate ?? d.LearningRate,
            Momentum = o.Momentum ?? d.Momentum,
            Optimizer = o.Optimizer == null ? d.Optimizer : o.Optimizer.ToLowerInvariant() switch
            {
                "sgd" => OptimizerKind.Sgd,
                "adam" => OptimizerKind.Adam,
                _ => throw new BlindSpotsException($"--optimizer '{o.Optimizer}': expected sgd or adam"),
            },
            Schedule = o.Schedule == null ? d.Schedule : o.Schedule.ToLowerInvariant() switch
            {
                "constant" => LearningRateSchedule.Constant,
                "cosine" => LearningRateSchedule.Cosine,
                "step" => LearningRateSchedule.Step,
                _ => throw new BlindSpotsException($"--schedule '{o.Schedule}': expected constant, cosine or step"),
            },
            WeightDecay = o.WeightDecay == null ? d.WeightDecay : ParseDecay(o.WeightDecay),
            Seed = o.Seed ?? d.Seed,
            PoolShare = o.Adversarial ? o.PoolShare ?? DefaultPoolShare : 0,
        };
        return (arch, options);
    }

    /// <summary>The share of each batch drawn from the pool when --pool-share is not given.</summary>
    private const double DefaultPoolShare = 0.25;

    /// <summary>The adversarial pool's settings with --adversarial; null without it, where any --pool-* option is an error.</summary>
    private static AdversarialPoolOptions? PoolOptions(TrainArguments o, TrainingOptions options)
    {
        if (!o.Adversarial)
        {
            string? stray = o.PoolSize != null ? "--pool-size" : o.PoolRefresh != null ? "--pool-refresh"
                : o.PoolShare != null ? "--pool-share" : o.PoolTarget != null ? "--pool-target"
                : o.PoolSearch != null ? "--pool-search" : o.PoolLayers != null ? "--pool-layers"
                : o.PoolMaxDistortion != null ? "--pool-max-distortion" : null;
            if (stray != null) throw new BlindSpotsException($"{stray} configures adversarial training: it needs --adversarial");
            return null;
        }
        if (o.PoolShare is double share && !(share > 0 && share < 1))
            throw new BlindSpotsException($"--pool-share must be in (0, 1), got {share.ToString(CultureInfo.InvariantCulture)}");
        var d = new AdversarialPoolOptions();
        var (count, every) = o.PoolRefresh == null ? (d.RefreshCount, d.RefreshEvery) : ParsePair(o.PoolRefresh, "--pool-refresh", "COUNT/BATCHES", "100/10: 100 examples every 10 batches");
        var (rounds, steps) = o.PoolSearch == null ? (d.Attack.MaxRounds, d.Attack.Solver.MaxIterations) : ParsePair(o.PoolSearch, "--pool-search", "ROUNDS/STEPS", "4/10: at most 4 weights c, 10 L-BFGS steps each");
        var pool = d with
        {
            Size = o.PoolSize ?? d.Size,
            RefreshCount = count,
            RefreshEvery = every,
            Target = o.PoolTarget == null ? d.Target : o.PoolTarget.ToLowerInvariant() switch
            {
                "random" => PoolTarget.Random,
                "next" => PoolTarget.Next,
                "any" => PoolTarget.Any,
                _ => throw new BlindSpotsException($"--pool-target '{o.PoolTarget}': expected random, next or any"),
            },
            Seed = options.Seed,
            Attack = d.Attack with { MaxRounds = rounds, Solver = d.Attack.Solver with { MaxIterations = steps } },
            MaxDistortion = o.PoolMaxDistortion ?? d.MaxDistortion,
        };
        pool.Validate();
        return pool;
    }

    /// <summary>The architecture recorded in the --init file, read without loading its tensors onto a device.</summary>
    private static string InitialArchitecture(string path)
    {
        if (OnnxModelFile.IsOnnx(path))
            throw new BlindSpotsException($"--init {path}: fine-tuning starts from a .safetensors model file (one trained here, or exported from PyTorch as docs/pytorch-export.md shows), not ONNX");
        var file = SafetensorsFile.Read(path);
        if (!file.Metadata.TryGetValue(ModelFile.ArchKey, out string? arch))
            throw new BlindSpotsException($"{path}: has no 'arch' metadata; cannot tell which model it holds");
        try
        {
            return ArchitectureSpec.Parse(arch).ToString();
        }
        catch (BlindSpotsException e)
        {
            throw new BlindSpotsException($"{path}: metadata 'arch': {e.Message}", e);
        }
    }

    /// <summary>The --init model on the device, checked against the training data's image shape.</summary>
    private static Model InitialModel(ComputeDevice device, string path, Dataset train)
    {
        var model = ModelFile.Load(device, path);
        int[] shape = [train.Channels, train.Height, train.Width];
        if (!model.InputShape.SequenceEqual(shape))
        {
            string have = string.Join("x", model.InputShape), want = string.Join("x", shape);
            model.Dispose();
            throw new BlindSpotsException($"--init {path}: takes {have} inputs, but {train.Source} has {want} images");
        }
        return model;
    }

    /// <summary>
    /// The layers --pool-layers names: <c>input</c> (the default), <c>all</c> (the input and every
    /// sigmoid output below the last layer, the paper's pool per layer), or positions k, each the
    /// output of the first k layers (0: the input).
    /// </summary>
    private static int[] PoolLayers(string? text, Model graph)
    {
        string choice = (text ?? "input").Trim().ToLowerInvariant();
        if (choice == "input") return [0];
        var model = graph.AsChain("--pool-layers");
        var layers = model.Layers;
        switch (choice)
        {
            case "all":
                var sigmoids = AdversarialPool.HiddenLayers(model);
                if (sigmoids.Length == 0)
                    throw new BlindSpotsException($"--pool-layers all: {model.Architecture} has no sigmoid hidden layer, whose outputs lie in [0, 1], the box the attack searches; only the input can have a pool");
                return [0, .. sigmoids];
        }
        var positions = text!.Split(',').Select(t => int.TryParse(t.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int k) && k < layers.Count ? k
            : throw new BlindSpotsException($"--pool-layers '{text}': expected input, all, or layer positions 0..{layers.Count - 1} separated by commas (0: the input, k: the output of the first k layers)")).ToArray();
        if (positions.Distinct().Count() != positions.Length)
            throw new BlindSpotsException($"--pool-layers '{text}': names a layer twice");
        return positions.Order().ToArray();
    }

    /// <summary>A pair of positive integers A/B (A alone means A/1).</summary>
    private static (int First, int Second) ParsePair(string text, string option, string form, string example)
    {
        var parts = text.Split('/');
        int second = 1;
        if (parts.Length is < 1 or > 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int first) || first < 1
            || (parts.Length == 2 && (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out second) || second < 1)))
            throw new BlindSpotsException($"{option} '{text}': expected {form}, two positive integers (e.g. {example})");
        return (first, second);
    }

    private static double[] ParseDecay(string text) => text.Split(',').Select(s =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v >= 0 && double.IsFinite(v) ? v
            : throw new BlindSpotsException($"--weight-decay '{text}': expected non-negative numbers, one or one per parameterised layer, comma-separated")).ToArray();

    private static Dataset? TryLoadTest(string data)
    {
        try
        {
            return DataLocator.Load(data, DatasetSplit.Test, null);
        }
        catch (BlindSpotsException)
        {
            return null;
        }
    }

    /// <summary>
    /// The keys of the training record that say what was trained and how (not when, where or how
    /// well): two models with equal recipes are interchangeable, which is how <c>reproduce</c> reuses one.
    /// </summary>
    public static readonly string[] RecipeKeys =
        ["arch", "data", "data_range", "data_split", "seed", "optimizer", "lr", "momentum", "schedule", "weight_decay", "epochs", "batch", "preset"];

    /// <summary>The recipe part of the record a run of <paramref name="o"/> on <paramref name="trainCount"/> examples writes.</summary>
    public static Dictionary<string, string> Recipe(TrainArguments o, int trainCount)
    {
        var (arch, options) = Resolve(o);
        var full = Record(o, options, arch, trainCount, null, "");
        return RecipeKeys.ToDictionary(k => k, k => full[k], StringComparer.Ordinal);
    }

    private static Dictionary<string, string> Record(TrainArguments o, TrainingOptions options, string arch, int trainCount, ComputeDevice? device, string commandLine)
    {
        string version = typeof(TrainCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["arch"] = ArchitectureSpec.Parse(arch).ToString(),
            ["data"] = o.Data,
            ["data_range"] = o.Range ?? $"0:{trainCount}",
            ["data_split"] = "train",
            ["seed"] = options.Seed.ToString(CultureInfo.InvariantCulture),
            ["optimizer"] = options.Optimizer.ToString().ToLowerInvariant(),
            ["lr"] = options.LearningRate.ToString("R", CultureInfo.InvariantCulture),
            ["momentum"] = options.Optimizer == OptimizerKind.Sgd ? options.Momentum.ToString("R", CultureInfo.InvariantCulture) : "n/a",
            ["adam_betas_eps"] = options.Optimizer == OptimizerKind.Adam ? $"{TrainingOptions.AdamBeta1},{TrainingOptions.AdamBeta2},{TrainingOptions.AdamEpsilon}" : "n/a",
            ["schedule"] = options.Schedule.ToString().ToLowerInvariant(),
            ["weight_decay"] = options.WeightDecayText,
            ["weight_decay_convention"] = WeightDecayConvention.Description,
            ["epochs"] = options.Epochs.ToString(CultureInfo.InvariantCulture),
            ["batch"] = options.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["preset"] = o.Preset ?? "none",
            ["init"] = o.Init != null ? $"{Path.GetFileName(o.Init)} sha256:{FileHash(o.Init)}" : "none",
            ["command"] = commandLine,
            ["date"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["device"] = device?.Description ?? "",
            ["version"] = version,
        };
    }

    private static string FileHash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    internal static void Render(TextWriter writer, Table table)
    {
        var ansi = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        ansi.Write(table);
    }
}
