using System.Globalization;
using IlgpuBlindSpots.Network.Layers;
using IlgpuBlindSpots.Network.Models;

namespace IlgpuBlindSpots.Network.ModelFiles;

/// <summary>
/// A <see cref="SequentialModel"/> as a safetensors file: one F32 tensor per parameter, named and
/// laid out as PyTorch's state_dict of the equivalent <c>nn.Sequential</c> (see docs/pytorch-export.md),
/// with <c>__metadata__</c> entries <c>arch</c> (the spec), <c>input</c> (<c>CxHxW</c>), <c>modules</c>
/// (the module indices of the parameterised layers, comma-separated) and whatever record the caller
/// adds (how the model was trained).
/// </summary>
public static class ModelFile
{
    /// <summary>Metadata key of the architecture spec, e.g. <c>fc:100,sigmoid,fc:100,sigmoid,fc:10</c>.</summary>
    public const string ArchKey = "arch";
    /// <summary>
    /// How many more parameters than the file's tensors hold an architecture may declare before the
    /// model is refused unbuilt (4 Mi values, 16 MiB): beyond it, the model's memory would not be
    /// bounded by the file's size.
    /// </summary>
    public const long ParameterAllowance = 1L << 22;

    /// <summary>Metadata key of the per-example input shape, <c>CxHxW</c>, e.g. <c>1x28x28</c>.</summary>
    public const string InputKey = "input";
    /// <summary>Metadata key of the PyTorch module indices of the parameterised layers, comma-separated.</summary>
    public const string ModulesKey = "modules";

    /// <summary>
    /// Writes the model's parameters and metadata atomically (temporary file, then rename).
    /// <paramref name="record"/> entries are added to the metadata; they may not override
    /// <c>arch</c>, <c>input</c> or <c>modules</c>.
    /// </summary>
    public static void Save(string path, Model graph, IReadOnlyDictionary<string, string>? record = null,
        IEnumerable<NamedTensor>? extraTensors = null)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (record != null)
            foreach (var (k, v) in record) metadata[k] = v;
        if (graph is GraphModel g)
        {
            var (graphMetadata, graphTensors) = GraphModelFile.Describe(g);
            foreach (var (k, v) in graphMetadata) metadata[k] = v;
            if (extraTensors != null) graphTensors.AddRange(extraTensors);
            SafetensorsFile.Write(path, graphTensors, metadata);
            return;
        }
        var model = graph.AsChain("saving a model file");
        metadata[ArchKey] = model.Architecture.ToString();
        metadata[InputKey] = string.Join("x", model.InputShape);
        metadata[ModulesKey] = string.Join(",", ParameterisedLayers(model).Select(l => ModuleIndex(l.Parameters[0].Name, path)));
        var tensors = model.Parameters.Select(p => new NamedTensor(p.Name, p.Value.Shape.ToArray(), p.Value.ToArray())).ToList();
        if (extraTensors != null) tensors.AddRange(extraTensors);
        SafetensorsFile.Write(path, tensors, metadata);
    }

    /// <summary>
    /// Builds the model a file describes and loads its parameters: an ONNX file (by its <c>.onnx</c>
    /// extension, see <see cref="OnnxModelFile"/>) or safetensors (see <see cref="Load(ComputeDevice, SafetensorsFile, string?)"/>).
    /// The model lives on <paramref name="device"/>; dispose it before the device.
    /// </summary>
    /// <exception cref="BlindSpotsException">The file is missing or malformed, or describes a model this
    /// program cannot build; the message names the file and the problem.</exception>
    public static Model Load(ComputeDevice device, string path) =>
        OnnxModelFile.IsOnnx(path) ? OnnxModelFile.Load(device, path) : Load(device, SafetensorsFile.Read(path));

    /// <summary>
    /// Builds the model from the file's <c>arch</c> and <c>input</c> metadata and assigns its tensors
    /// to the parameterised layers in numeric order of their module-index prefix (<c>3.weight</c> is
    /// module 3), so a file numbered differently from ours (a Sequential without a Flatten) still
    /// loads. Tensors whose names are not <c>N.something</c> are ignored only when <paramref name="ignorePrefix"/>
    /// starts them (a checkpoint's optimizer state). Every shape is checked; a missing, extra or
    /// misshapen tensor is a <see cref="BlindSpotsException"/> naming the file and the tensor.
    /// </summary>
    public static Model Load(ComputeDevice device, SafetensorsFile file, string? ignorePrefix = null)
    {
        string path = file.Path;
        if (file.Metadata.ContainsKey(GraphModelFile.GraphKey)) return GraphModelFile.Load(device, file, ignorePrefix);
        if (!file.Metadata.TryGetValue(ArchKey, out string? arch))
            throw new BlindSpotsException($"{path}: has no 'arch' metadata; cannot tell which model it holds (export it with scripts/export_safetensors.py)");
        if (!file.Metadata.TryGetValue(InputKey, out string? input))
            throw new BlindSpotsException($"{path}: has no 'input' metadata (CxHxW, e.g. 1x28x28)");
        int[] shape = ParseInput(path, input);
        ArchitectureSpec spec;
        try
        {
            spec = ArchitectureSpec.Parse(arch);
        }
        catch (BlindSpotsException e)
        {
            throw new BlindSpotsException($"{path}: metadata 'arch': {e.Message}", e);
        }

        var groups = ByModule(file, ignorePrefix);

        // The metadata is a few bytes that can declare any size: a model much larger than the tensors
        // present is refused before it (and its memory) is made. A small difference is left to the
        // checks below, which name the tensor that is missing or misshapen.
        long declared, present = groups.Values.Sum(list => list.Sum(t => (long)t.Data.Length));
        try
        {
            declared = ArchitectureSize.ParameterCount(spec, shape);
        }
        catch (BlindSpotsException e)
        {
            throw new BlindSpotsException($"{path}: {e.Message}", e);
        }
        if (declared > present + ParameterAllowance)
            throw new BlindSpotsException(
                $"{path}: architecture '{arch}' on input {input} has {declared} parameters, but the file's tensors hold {present} values");

        SequentialModel model;
        try
        {
            model = SequentialModel.Create(device, spec, shape);
        }
        catch (BlindSpotsException e)
        {
            throw new BlindSpotsException($"{path}: {e.Message}", e);
        }
        try
        {
            Assign(path, arch, model, groups);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The file's tensors by their module-index prefix (<c>3.weight</c>: module 3), in module order; those starting with <paramref name="ignorePrefix"/> left out.</summary>
    private static SortedDictionary<int, List<NamedTensor>> ByModule(SafetensorsFile file, string? ignorePrefix)
    {
        var groups = new SortedDictionary<int, List<NamedTensor>>();
        foreach (var t in file.Tensors)
        {
            if (ignorePrefix != null && t.Name.StartsWith(ignorePrefix, StringComparison.Ordinal)) continue;
            int dot = t.Name.IndexOf('.');
            if (dot <= 0 || !int.TryParse(t.Name.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out int module))
                throw new BlindSpotsException($"{file.Path}: tensor '{t.Name}' is not named MODULE.PARAMETER (e.g. 1.weight)");
            if (!groups.TryGetValue(module, out var list)) groups[module] = list = [];
            list.Add(t);
        }
        return groups;
    }

    /// <summary>Copies module i's tensors into the i-th parameterised layer, every name and shape checked, none missing or left over.</summary>
    private static void Assign(string path, string arch, Model model, SortedDictionary<int, List<NamedTensor>> groups)
    {
        var layers = ParameterisedLayers(model);
        var modules = groups.ToList();
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            if (i >= modules.Count)
                throw new BlindSpotsException(
                    $"{path}: has no tensors for layer '{layer.Spec}' (parameterised layer {i + 1} of {layers.Count}; missing tensor '{layer.Parameters[0].Name}')");
            var (module, tensors) = modules[i];
            foreach (var p in layer.Parameters)
            {
                string suffix = p.Name[(p.Name.IndexOf('.') + 1)..];
                string name = $"{module}.{suffix}";
                var t = tensors.FirstOrDefault(x => x.Name == name)
                    ?? throw new BlindSpotsException($"{path}: missing tensor '{name}' for layer '{layer.Spec}' (module {module} has {string.Join(", ", tensors.Select(x => x.Name))})");
                if (!t.Shape.SequenceEqual(p.Value.Shape))
                    throw new BlindSpotsException(
                        $"{path}: tensor '{name}' has shape {t.ShapeText} but layer '{layer.Spec}' needs {Tensor.Format(p.Value.Shape)}");
                p.Value.CopyFrom(t.Data);
            }
            if (tensors.Count != layer.Parameters.Count)
            {
                var known = layer.Parameters.Select(p => $"{module}.{p.Name[(p.Name.IndexOf('.') + 1)..]}").ToHashSet();
                throw new BlindSpotsException($"{path}: tensor '{tensors.First(t => !known.Contains(t.Name)).Name}' belongs to no parameter of layer '{layer.Spec}'");
            }
        }
        if (modules.Count > layers.Count)
            throw new BlindSpotsException(
                $"{path}: tensor '{modules[layers.Count].Value[0].Name}' is extra: the architecture '{arch}' has only {layers.Count} parameterised layers");
    }

    /// <summary>The layers that own parameters, in model order.</summary>
    public static IReadOnlyList<ILayer> ParameterisedLayers(Model model) =>
        model.Layers.Where(l => l.Parameters.Count > 0).ToList();

    private static string ModuleIndex(string parameterName, string path)
    {
        int dot = parameterName.IndexOf('.');
        return dot > 0 ? parameterName[..dot] : throw new BlindSpotsException($"{path}: parameter '{parameterName}' has no module index");
    }

    private static int[] ParseInput(string path, string input)
    {
        var parts = input.Split('x');
        var shape = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out shape[i]) || shape[i] <= 0)
                throw new BlindSpotsException($"{path}: metadata 'input' is '{input}', not CxHxW with positive sizes (e.g. 1x28x28)");
        if (shape.Length != 3)
            throw new BlindSpotsException($"{path}: metadata 'input' is '{input}', not CxHxW (e.g. 1x28x28)");
        return shape;
    }
}
