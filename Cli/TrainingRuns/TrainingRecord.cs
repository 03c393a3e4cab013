using IlgpuBlindSpots.Network.Training;
using IlgpuBlindSpots.Optimizer.Attacks;
using Spectre.Console;

namespace IlgpuBlindSpots.Cli.TrainingRuns;

/// <summary>
/// One run of <c>train</c>: what was trained (the model file, its architecture and size, the data,
/// the settings, the device), its adversarial pools, and how it went (errors, losses, time, the
/// pools' work). Three renderers show the same record: the model file's metadata, the JSON line of
/// --json, and the table.
/// </summary>
internal sealed class TrainingRecord(string output, string arch, string data, string range, int trainCount,
    TrainingOptions options, IReadOnlyList<AdversarialPool> pools, long parameters, ComputeDevice device)
{
    private TrainingSummary? summary;
    private EvaluationResult? trainResult, testResult;

    /// <summary>The input's pool, which speaks for all in the settings (they share them but for the layer); null without --adversarial.</summary>
    private AdversarialPool? Pool => pools.Count > 0 ? pools[0] : null;

    /// <summary>Takes in how the training went, after it ended.</summary>
    public void Finish(TrainingSummary trained, EvaluationResult onTrain, EvaluationResult? onTest)
    {
        summary = trained;
        trainResult = onTrain;
        testResult = onTest;
    }

    private TrainingSummary Summary => summary ?? throw new InvalidOperationException("the training has not finished");
    private EvaluationResult TrainResult => trainResult ?? throw new InvalidOperationException("the training has not finished");

    /// <summary>The pools' settings, into the metadata that the checkpoints and the model file carry.</summary>
    public void AddPoolSettings(Dictionary<string, string> metadata)
    {
        metadata["adversarial"] = Pool != null ? "yes" : "no";
        if (Pool is not { } pool) return;
        metadata["pool_size"] = pool.Options.Size.ToString(CultureInfo.InvariantCulture);
        metadata["pool_refresh"] = $"{pool.Options.RefreshCount}/{pool.Options.RefreshEvery}";
        metadata["pool_share"] = options.PoolShare.ToString("R", CultureInfo.InvariantCulture);
        metadata["pool_rows_per_batch"] = $"{options.PoolRowsPerBatch} pool + {options.DataRowsPerBatch} training";
        metadata["pool_target"] = pool.Options.Target.ToString().ToLowerInvariant();
        metadata["pool_layers"] = string.Join(",", pools.Select(p => p.Layer));
        metadata["pool"] = string.Join("; ", pools.Select(p => p.Description));
    }

    /// <summary>How the run went, into the model file's metadata.</summary>
    public void AddResults(Dictionary<string, string> metadata)
    {
        metadata["train_error"] = Percent(TrainResult.ErrorRate);
        metadata["test_error"] = testResult != null ? Percent(testResult.ErrorRate) : "n/a";
        metadata["train_loss"] = TrainResult.MeanLoss.ToString("R", CultureInfo.InvariantCulture);
        metadata["wall_seconds_last_run"] = Summary.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture);
        metadata["examples_per_second"] = Summary.ExamplesPerSecond.ToString("F0", CultureInfo.InvariantCulture);
        if (Pool is not { } pool) return;
        metadata["pool_attacked_last_run"] = pool.Attacked.ToString(CultureInfo.InvariantCulture);
        metadata["pool_made_last_run"] = pool.Made.ToString(CultureInfo.InvariantCulture);
        metadata["pool_mean_distortion_last_run"] = pool.MeanDistortion.ToString("F4", CultureInfo.InvariantCulture);
        metadata["pool_attack_seconds_last_run"] = pool.AttackTime.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture);
        metadata["pool_evaluations_last_run"] = pool.Evaluations.ToString(CultureInfo.InvariantCulture);
        metadata["pool_too_large_last_run"] = pool.TooLarge.ToString(CultureInfo.InvariantCulture);
        foreach (var hidden in pools.Skip(1))
        {
            string key = $"pool_layer{hidden.Layer}";
            metadata[$"{key}_made_last_run"] = $"{hidden.Made} of {hidden.Attacked}";
            metadata[$"{key}_mean_distortion_last_run"] = hidden.MeanDistortion.ToString("F4", CultureInfo.InvariantCulture);
            metadata[$"{key}_attack_seconds_last_run"] = hidden.AttackTime.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The record as the one JSON object --json prints.</summary>
    public object Json() => new
    {
        model = output, arch = arch, data = data, range = range, epochs = options.Epochs, batch = options.BatchSize,
        optimizer = options.Optimizer.ToString().ToLowerInvariant(), lr = options.LearningRate, momentum = options.Momentum,
        schedule = options.Schedule.ToString().ToLowerInvariant(), weight_decay = options.WeightDecayText, seed = options.Seed,
        train_error = TrainResult.ErrorRate, train_loss = TrainResult.MeanLoss, test_error = testResult?.ErrorRate, test_loss = testResult?.MeanLoss,
        wall_seconds = Summary.Elapsed.TotalSeconds, examples_per_second = Summary.ExamplesPerSecond, device = device.Id,
        parameters = parameters,
        adversarial = Pool is not { } pool ? null : new
        {
            pool_size = pool.Options.Size, pool_refresh = $"{pool.Options.RefreshCount}/{pool.Options.RefreshEvery}", pool_share = options.PoolShare,
            pool_target = pool.Options.Target.ToString().ToLowerInvariant(), attacked = pool.Attacked, made = pool.Made,
            mean_distortion = pool.Made == 0 ? (double?)null : pool.MeanDistortion, attack_seconds = pool.AttackTime.TotalSeconds,
            evaluations = pool.Evaluations, too_large = pool.TooLarge,
            layers = pools.Select(p => new
            {
                layer = p.Layer, attacked = p.Attacked, made = p.Made, mean_distortion = p.Made == 0 ? (double?)null : p.MeanDistortion,
                evaluations = p.Evaluations, attack_seconds = p.AttackTime.TotalSeconds,
            }).ToArray(),
        },
    };

    /// <summary>The record as the table the command prints.</summary>
    public Table Table()
    {
        var table = new Table().AddColumn("").AddColumn("");
        table.AddRow("model", Markup.Escape($"{output} ({arch}, {parameters} parameters)"));
        table.AddRow("training", Markup.Escape($"{options.Epochs} epochs, batch {options.BatchSize}, {options.Optimizer} lr {options.LearningRate.ToString(CultureInfo.InvariantCulture)}, {options.Schedule}, λ {options.WeightDecayText}, seed {options.Seed}"));
        table.AddRow("train error", Markup.Escape($"{Percent(TrainResult.ErrorRate)} on {trainCount} examples (loss {TrainResult.MeanLoss:F4})"));
        table.AddRow("test error", Markup.Escape(testResult != null ? $"{Percent(testResult.ErrorRate)} on {testResult.Count} examples (loss {testResult.MeanLoss:F4})" : "n/a (no test split)"));
        if (Pool is { } pool)
        {
            table.AddRow("adversarial", Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"{pools.Count} pool{(pools.Count == 1 ? "" : "s")} of {pool.Options.Size}, {options.PoolRowsPerBatch} rows each per batch of {options.BatchSize}{(pool.Options.MaxDistortion < double.PositiveInfinity ? ", distortion at most " + pool.Options.MaxDistortion.ToString("R", CultureInfo.InvariantCulture) : "")}")));
            foreach (var p in pools)
                table.AddRow(p.Layer == 0 ? "pool of the input" : $"pool of layer {p.Layer}", Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                    $"{p.Made} of {p.Attacked} attacks made examples{(p.TooLarge > 0 ? $" ({p.TooLarge} more above the bound)" : "")}, mean distortion {p.MeanDistortion:F4}, {(double)p.Evaluations / Math.Max(1, p.Attacked):F1} evaluations per attack, {p.AttackTime.TotalSeconds:F1} s attacking")));
        }
        table.AddRow("time", Markup.Escape($"{Summary.Elapsed.TotalSeconds:F1} s, {Summary.ExamplesPerSecond:F0} examples/s on {device.Description}"));
        return table;
    }

    public static string Percent(double rate) => (100 * rate).ToString("F2", CultureInfo.InvariantCulture) + "%";
}
