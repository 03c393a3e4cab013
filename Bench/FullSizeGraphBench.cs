using System.Diagnostics;
using System.Text.Json;
using ILGPU.Runtime;
using IlgpuBlindSpots.Network;
using IlgpuBlindSpots.Network.ModelFiles;
using IlgpuBlindSpots.Network.Models;
using Microsoft.ML.OnnxRuntime;
using Spectre.Console;

namespace IlgpuBlindSpots.Bench;

/// <summary>
/// `graphs`: the full-size torchvision check. The committed tests import reduced-width variants;
/// the real networks (tens of MB each) are made by <c>scripts/export_torchvision.py</c> into a folder
/// and checked here: for each <c>NAME.onnx</c> with its <c>NAME.input.bin</c>, <c>NAME.logits.bin</c>
/// and <c>NAME.grad.bin</c>, the imported graph's logits against ONNX Runtime and PyTorch (1e-4 of
/// the largest), its input gradient of the cross-entropy against PyTorch autograd (1e-3 of the
/// largest), and the project's own ONNX export of it run by ONNX Runtime against the original (1e-4).
/// Where the script also wrote <c>NAME.grad64.bin</c> (autograd in float64), the gradient is judged
/// against that exact one instead (1e-3): a deep network's float32 gradient may stray farther than
/// that from exact in any implementation (densenet121's from PyTorch by 4e-3), so float32 autograd
/// is then shown beside it, not taken as the truth.
/// </summary>
internal static class FullSizeGraphBench
{
    /// <summary>The labels the export script takes the cross-entropy against, example by example.</summary>
    private static readonly int[] Labels = [3, 7, 1, 9];
    private const double LogitTolerance = 1e-4, GradientTolerance = 1e-3;

    public sealed record Row(string Model, string InputShape, int Nodes, double VsOnnxRuntime, double VsPyTorch, double GradientVsPyTorch,
        double GradientVsFloat64, double PyTorchVsFloat64, int ExamplesNearFloat64, int PyTorchExamplesNearFloat64, int Examples,
        double ExportVsOnnxRuntime, double ForwardSeconds, double GradientSeconds, bool Passed);

    public static int Run(string deviceSpec, string folder, string jsonPath, string? gradientFolder)
    {
        var files = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.onnx").Order().ToArray() : [];
        if (files.Length == 0)
        {
            Console.Error.WriteLine($"--folder: {folder} holds no .onnx files (make them with scripts/export_torchvision.py)");
            return 2;
        }
        using var device = ComputeDevice.Open(deviceSpec);
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 170;
        AnsiConsole.MarkupLine($"[bold]graphs[/] in {Markup.Escape(folder)} on {Markup.Escape(device.Description)}, " +
                               $"ONNX Runtime {Markup.Escape(OrtEnv.Instance().GetVersionString())}");
        var table = new Table().AddColumns("model", "input", "nodes", "vs ORT", "vs PyTorch", "grad vs PyTorch", "grad vs float64",
            "PyTorch grad vs float64", "examples within 1e-3 of float64: ours, PyTorch", "export vs ORT", "forward s", "gradient s", "within tolerance");
        var rows = new List<Row>();
        foreach (string file in files)
        {
            var row = Check(device, file, gradientFolder);
            rows.Add(row);
            table.AddRow(Markup.Escape(row.Model), row.InputShape, $"{row.Nodes}", $"{row.VsOnnxRuntime:E1}", $"{row.VsPyTorch:E1}",
                $"{row.GradientVsPyTorch:E1}", $"{row.GradientVsFloat64:E1}", $"{row.PyTorchVsFloat64:E1}",
                $"{row.ExamplesNearFloat64}, {row.PyTorchExamplesNearFloat64} of {row.Examples}", $"{row.ExportVsOnnxRuntime:E1}", $"{row.ForwardSeconds:F2}", $"{row.GradientSeconds:F2}",
                row.Passed ? "yes" : "[red]no[/]");
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("differences are max |a − b| / max |reference|; tolerances 1e-4 for logits and export, 1e-3 for gradients " +
                               "(against float64 autograd where given, else against PyTorch's float32 one)");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(jsonPath))!);
        File.WriteAllText(jsonPath, JsonSerializer.Serialize(new
        {
            device = device.Description,
            onnx_runtime = OrtEnv.Instance().GetVersionString(),
            date = DateTime.UtcNow.ToString("u"),
            rows,
        }, new JsonSerializerOptions { WriteIndented = true }));
        AnsiConsole.MarkupLine($"wrote {Markup.Escape(jsonPath)}");
        return rows.All(r => r.Passed) ? 0 : 1;
    }

    private static Row Check(ComputeDevice device, string path, string? gradientFolder)
    {
        string stem = path[..^".onnx".Length];
        float[] input = ReadFloats(stem + ".input.bin");
        using var model = OnnxModelFile.Load(device, path);
        int batch = input.Length / model.InputLength;
        int[] shape = [batch, .. model.InputShape];
        using var x = Tensor.FromArray(device, input, shape);
        var clock = Stopwatch.StartNew();
        float[] logits = model.Logits(x).ToArray();
        double forward = clock.Elapsed.TotalSeconds;
        using var labels = device.Accelerator.Allocate1D(Labels[..batch]);
        clock.Restart();
        var (gradient, _, _) = model.InputGradient(x, labels.View);
        float[] ours = gradient.ToArray();
        double backward = clock.Elapsed.TotalSeconds;
        if (gradientFolder != null) WriteFloats(Path.Combine(gradientFolder, Path.GetFileName(stem) + ".project.grad.bin"), ours);
        float[] ort = RunOnnxRuntime(File.ReadAllBytes(path), input, shape);
        double vsOrt = RelativeDifference(ort, logits), vsTorch = RelativeDifference(ReadFloats(stem + ".logits.bin"), logits);
        float[] torchGradient = ReadFloats(stem + ".grad.bin");
        double grad = RelativeDifference(torchGradient, ours);
        var (vs64, torchVs64, gradientPassed) = (double.NaN, double.NaN, grad <= GradientTolerance);
        var (near, torchNear) = (-1, -1);
        if (File.Exists(stem + ".grad64.bin"))
        {
            double[] exact = ReadDoubles(stem + ".grad64.bin");
            (vs64, torchVs64) = (RelativeDifference(exact, ours), RelativeDifference(exact, torchGradient));
            (near, torchNear) = (ExamplesWithin(exact, ours, batch), ExamplesWithin(exact, torchGradient, batch));
            gradientPassed = vs64 <= GradientTolerance;
        }
        double export = RelativeDifference(ort, RunOnnxRuntime(OnnxBench.ExportedGraph(model), input, shape));
        bool passed = vsOrt <= LogitTolerance && vsTorch <= LogitTolerance && gradientPassed && export <= LogitTolerance;
        return new Row(Path.GetFileName(path), string.Join('×', model.InputShape), NodeCount(model), vsOrt, vsTorch, grad, vs64, torchVs64,
            near, torchNear, batch, export, forward, backward, passed);
    }

    private static int NodeCount(Model model) => model is GraphModel graph ? graph.Nodes.Count : -1;

    /// <summary>max |reference − actual| / max |reference|; infinity when the lengths differ.</summary>
    private static double RelativeDifference(float[] reference, float[] actual) =>
        RelativeDifference(Array.ConvertAll(reference, v => (double)v), actual);

    private static double RelativeDifference(double[] reference, float[] actual)
    {
        if (reference.Length != actual.Length) return double.PositiveInfinity;
        double scale = reference.Max(Math.Abs);
        return reference.Zip(actual, (e, a) => Math.Abs(e - a)).Max() / scale;
    }

    private static float[] ReadFloats(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        var values = new float[bytes.Length / sizeof(float)];
        Buffer.BlockCopy(bytes, 0, values, 0, values.Length * sizeof(float));
        return values;
    }

    /// <summary>
    /// How many of the batch's examples have every gradient value within the tolerance (of the
    /// largest exact value): a float32 gradient strays from exact example by example, where rounding
    /// decides a ReLU gate or a pooling window's maximum the other way.
    /// </summary>
    private static int ExamplesWithin(double[] exact, float[] actual, int batch)
    {
        double scale = exact.Max(Math.Abs);
        int n = exact.Length / batch;
        return Enumerable.Range(0, batch).Count(b =>
            Enumerable.Range(b * n, n).All(i => Math.Abs(exact[i] - actual[i]) <= GradientTolerance * scale));
    }

    /// <summary>Little-endian float32, as the export script writes its own gradients.</summary>
    private static void WriteFloats(string path, float[] values)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        File.WriteAllBytes(path, bytes);
    }

    private static double[] ReadDoubles(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        var values = new double[bytes.Length / sizeof(double)];
        Buffer.BlockCopy(bytes, 0, values, 0, values.Length * sizeof(double));
        return values;
    }

    private static float[] RunOnnxRuntime(byte[] onnx, float[] input, int[] shape)
    {
        using var session = new InferenceSession(onnx);
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape.Select(d => (long)d).ToArray());
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [session.InputMetadata.Keys.Single()], [value], [session.OutputMetadata.Keys.Single()]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
