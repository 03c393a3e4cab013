using System.Globalization;
using IlgpuBlindSpots.Network;
using IlgpuBlindSpots.Network.Layers;
using IlgpuBlindSpots.Network.ModelFiles;
using IlgpuBlindSpots.Network.Models;

namespace IlgpuBlindSpots.Bench;

/// <summary>
/// `relu-outputs`: runs an imported graph node by node on one example of a <c>NAME.input.bin</c> and
/// writes every ReLU node's float32 output, for <c>scripts/gradient_ties.py --gates</c> to hold
/// against the float64 model's pre-activations: which gates the project decided the other way, and
/// how close to zero the exact pre-activation was there. Writes OUT/names.tsv (node name, values)
/// and OUT/values.bin (the outputs one after another, little-endian float32).
/// </summary>
internal static class ReluOutputDump
{
    public static int Run(string deviceSpec, string? modelPath, int example, string outFolder)
    {
        string inputPath = modelPath is { Length: > 5 } ? modelPath[..^".onnx".Length] + ".input.bin" : "";
        if (modelPath is null || !File.Exists(modelPath) || !File.Exists(inputPath))
        {
            Console.Error.WriteLine($"--model {modelPath}: give an .onnx file with its .input.bin beside it (scripts/export_torchvision.py)");
            return 2;
        }
        using var device = ComputeDevice.Open(deviceSpec);
        using var model = OnnxModelFile.Load(device, modelPath);
        if (model is not GraphModel graph)
        {
            Console.Error.WriteLine($"--model {modelPath}: not a graph model");
            return 2;
        }
        var values = new Tensor?[graph.Nodes.Max(n => n.Output) + 1];
        if (InputOf(inputPath, example, model.InputLength) is not float[] input)
        {
            Console.Error.WriteLine($"--example {example}: {inputPath} holds no such example");
            return 2;
        }
        values[0] = Tensor.FromArray(device, input, [1, .. model.InputShape]);
        foreach (var (v, t) in graph.Constants) values[v] = t;
        Directory.CreateDirectory(outFolder);
        using var names = new StreamWriter(Path.Combine(outFolder, "names.tsv"));
        using var data = File.Create(Path.Combine(outFolder, "values.bin"));
        foreach (var node in graph.Nodes)
        {
            var y = values[node.Output] = node.Layer != null
                ? node.Layer.Forward(values[node.Inputs[0]]!, training: false)
                : node.Merge!.Forward(node.Inputs.Select(v => values[v]!).ToList());
            if (node.Layer is not ActivationLayer { Kind: ActivationKind.Relu }) continue;
            float[] output = y.ToArray();
            names.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{node.Name}\t{output.Length}"));
            var bytes = new byte[output.Length * sizeof(float)];
            Buffer.BlockCopy(output, 0, bytes, 0, bytes.Length);
            data.Write(bytes);
        }
        Console.WriteLine($"wrote the ReLU outputs of {Path.GetFileName(modelPath)}, example {example}, to {outFolder}");
        return 0;
    }

    /// <summary>Example <paramref name="example"/> of the file's float32 examples, or null where it holds no such example.</summary>
    private static float[]? InputOf(string inputPath, int example, int length)
    {
        byte[] bytes = File.ReadAllBytes(inputPath);
        if (example < 0 || (example + 1L) * length * sizeof(float) > bytes.Length) return null;
        var input = new float[length];
        Buffer.BlockCopy(bytes, example * length * sizeof(float), input, 0, length * sizeof(float));
        return input;
    }
}
