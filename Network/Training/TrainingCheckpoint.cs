using System.Globalization;
using ILGPU.Runtime;
using IlgpuBlindSpots.Network.Data;
using IlgpuBlindSpots.Network.Layers;
using IlgpuBlindSpots.Network.ModelFiles;
using IlgpuBlindSpots.Network.Models;

namespace IlgpuBlindSpots.Network.Training;

/// <summary>
/// The file a <see cref="Trainer"/> writes after each epoch and resumes from: the model as a model
/// file, plus tensors <c>optimizer.NAME.0</c> (and <c>.1</c> for Adam) for the optimizer's state
/// and <c>optimizer.POOL.images</c>/<c>.labels</c> for each pool's examples, plus metadata for the
/// epoch, step and dropout counters, the options' fingerprint and the pools.
/// </summary>
/// <remarks>
/// Checkpoints written before there was a pool per layer name only the input's pool
/// (<c>checkpoint_pool</c>, no <c>checkpoint_pools</c>); they are read as such.
/// </remarks>
internal static class TrainingCheckpoint
{
    /// <summary>The prefix of the tensors that are not model parameters; a model file reader skips them.</summary>
    public const string ExtraPrefix = "optimizer.";

    /// <summary>A run's training position: epochs finished and optimizer steps taken.</summary>
    public readonly record struct Position(int EpochsDone, long Steps);

    /// <summary>Writes the checkpoint atomically; <paramref name="record"/>'s entries go into its metadata first.</summary>
    public static void Save(string path, Model model, TrainingOptions options, Position position,
        IEnumerable<(Parameter Parameter, Tensor[] State)> optimizerState, IReadOnlyList<IExamplePool> pools,
        IReadOnlyDictionary<string, string>? record)
    {
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        if (record != null) foreach (var (k, v) in record) meta[k] = v;
        meta["checkpoint_epochs_done"] = position.EpochsDone.ToString(CultureInfo.InvariantCulture);
        meta["checkpoint_steps"] = position.Steps.ToString(CultureInfo.InvariantCulture);
        meta["checkpoint_options"] = options.Fingerprint;
        meta["checkpoint_rng"] = $"epoch order from seed {options.Seed} and epoch {position.EpochsDone}";
        meta["checkpoint_dropout_steps"] = string.Join(",", model.Layers.OfType<DropoutLayer>().Select(d => d.Step));
        var extra = optimizerState.SelectMany(p => p.State.Select((s, i) =>
            new NamedTensor($"{ExtraPrefix}{p.Parameter.Name}.{i}", s.Shape.ToArray(), s.ToArray()))).ToList();
        meta["checkpoint_pools"] = string.Join(",", pools.Select(PoolKey));
        foreach (var p in pools)
        {
            string key = PoolKey(p);
            meta[$"checkpoint_{key}"] = p.Description;
            meta[$"checkpoint_{key}_count"] = p.Count.ToString(CultureInfo.InvariantCulture);
            if (p.Count > 0) extra.AddRange(PoolTensors(p, key));
        }
        ModelFile.Save(path, model, meta, extra);
    }

    /// <summary>
    /// Restores the checkpoint into the model, the optimizer's state, the pools and the dropout
    /// counters, and returns the position it was written at; refuses one written with other
    /// options, architecture or pools (a different run).
    /// </summary>
    public static Position Restore(string path, ComputeDevice device, Model model, TrainingOptions options,
        IEnumerable<(Parameter Parameter, Tensor[] State)> optimizerState, IReadOnlyList<IExamplePool> pools)
    {
        var file = SafetensorsFile.Read(path);
        if (!file.Metadata.TryGetValue("checkpoint_options", out string? fingerprint))
            throw new BlindSpotsException($"{path}: is not a training checkpoint (no checkpoint_options metadata)");
        if (fingerprint != options.Fingerprint)
            throw new BlindSpotsException($"{path}: was written by a run with other options ({fingerprint}); this run has {options.Fingerprint}");
        if (file.Metadata.TryGetValue(ModelFile.ArchKey, out string? arch) && arch != model.Description)
            throw new BlindSpotsException($"{path}: holds architecture '{arch}', not '{model.Description}'");
        using (var loaded = ModelFile.Load(device, file, ExtraPrefix))
            for (int i = 0; i < model.Parameters.Count; i++) model.Parameters[i].Value.CopyFrom(loaded.Parameters[i].Value);
        foreach (var (p, state) in optimizerState)
            for (int i = 0; i < state.Length; i++)
            {
                var t = file.Get($"{ExtraPrefix}{p.Name}.{i}");
                if (t.Data.Length != state[i].Length)
                    throw new BlindSpotsException($"{path}: tensor '{t.Name}' has shape {t.ShapeText}, not {Tensor.Format(state[i].Shape)}");
                state[i].CopyFrom(t.Data);
            }
        RestorePools(path, file, pools);
        RestoreDropoutSteps(path, file, model);
        return new Position(int.Parse(file.Metadata["checkpoint_epochs_done"], CultureInfo.InvariantCulture),
            long.Parse(file.Metadata["checkpoint_steps"], CultureInfo.InvariantCulture));
    }

    private static void RestorePools(string path, SafetensorsFile file, IReadOnlyList<IExamplePool> pools)
    {
        // Checkpoints written before pools per layer name only the input's pool.
        string savedPools = file.Metadata.GetValueOrDefault("checkpoint_pools")
            ?? (file.Metadata.ContainsKey("checkpoint_pool") ? "pool" : "");
        string thesePools = string.Join(",", pools.Select(PoolKey));
        if (savedPools != thesePools)
            throw new BlindSpotsException($"{path}: was written with pools [{savedPools}]; this run has [{thesePools}]");
        foreach (var p in pools)
        {
            string key = PoolKey(p);
            if (file.Metadata.GetValueOrDefault($"checkpoint_{key}") != p.Description)
                throw new BlindSpotsException($"{path}: was written with another pool of examples ({file.Metadata.GetValueOrDefault($"checkpoint_{key}", "none")}); this run has {p.Description}");
            int count = int.Parse(file.Metadata[$"checkpoint_{key}_count"], CultureInfo.InvariantCulture);
            if (count > 0)
                p.Restore(file.Get($"{ExtraPrefix}{key}.images").Data, file.Get($"{ExtraPrefix}{key}.labels").Data.Select(l => (int)l).ToArray());
            else
                p.Restore([], []);
        }
    }

    private static void RestoreDropoutSteps(string path, SafetensorsFile file, Model model)
    {
        var dropouts = model.Layers.OfType<DropoutLayer>().ToList();
        string steps = file.Metadata.GetValueOrDefault("checkpoint_dropout_steps", "");
        var values = steps.Length == 0 ? [] : steps.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        if (values.Length != dropouts.Count)
            throw new BlindSpotsException($"{path}: records {values.Length} dropout counters but the model has {dropouts.Count} dropout layers");
        for (int i = 0; i < values.Length; i++) dropouts[i].Step = values[i];
    }

    /// <summary>A pool's examples and labels (labels as floats, the file's one element type), read back from the device.</summary>
    private static IEnumerable<NamedTensor> PoolTensors(IExamplePool p, string key)
    {
        int n = p.Images.RowLength;
        var images = new float[p.Count * n];
        p.Images.View.SubView(0, images.Length).CopyToCPU(images);
        var labels = new int[p.Count];
        p.Labels.SubView(0, p.Count).CopyToCPU(labels);
        yield return new NamedTensor($"{ExtraPrefix}{key}.images", [p.Count, n], images);
        yield return new NamedTensor($"{ExtraPrefix}{key}.labels", [p.Count], labels.Select(l => (float)l).ToArray());
    }

    /// <summary>A pool's name in checkpoints: <c>pool</c> for the input's, <c>pool{k}</c> for layer k's.</summary>
    private static string PoolKey(IExamplePool p) => p.Layer == 0 ? "pool" : $"pool{p.Layer}";
}
