using System.Text.Json;
using IlgpuBlindSpots.Network;
using IlgpuBlindSpots.Network.Data;
using IlgpuBlindSpots.Network.ModelFiles;
using IlgpuBlindSpots.Network.Models;
using Microsoft.ML.OnnxRuntime;
using Spectre.Console;

namespace IlgpuBlindSpots.Bench;

/// <summary>
/// `onnx`: forward throughput (examples/s) of the project's model beside ONNX Runtime's CPU
/// execution provider running the same model, exported with the project's own ONNX writer, on the
/// first MNIST test digits at batch 1 and 1024; with the largest difference between their logits.
/// The project's side is what a user pays: upload of the batch, the forward pass, read-back of the logits.
/// </summary>
internal static class OnnxBench
{
    private static readonly string[] Models = ["models/fc100-100-10.safetensors", "models/conv-mnist.safetensors"];
    private static readonly int[] Batches = [1, 1024];

    public sealed record Row(string Model, int Batch, double Project, double OnnxRuntime, double Ratio, double MaxAbsDifference);

    public static int Run(string deviceSpec, string dataRoot, string jsonPath)
    {
        var test = Directory.Exists(Path.Combine(dataRoot, "mnist"))
            ? Dataset.Load("mnist", DatasetSplit.Test, dataRoot)
            : Dataset.Load("sample", DatasetSplit.Test, dataRoot);
        using var device = ComputeDevice.Open(deviceSpec);
        using var options = new SessionOptions { IntraOpNumThreads = Environment.ProcessorCount };
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 150;
        AnsiConsole.MarkupLine($"[bold]onnx[/] on {Markup.Escape(test.Source)}: {Markup.Escape(device.Description)} against ONNX Runtime " +
                               $"{Markup.Escape(OrtEnv.Instance().GetVersionString())} (CPU execution provider, {options.IntraOpNumThreads} threads), {Environment.ProcessorCount} cores");
        var rows = new List<Row>();
        var table = new Table().AddColumns("model", "batch", "project examples/s", "ONNX Runtime examples/s", "project / ORT", "max abs diff (logits)");
        foreach (string modelPath in Models)
        {
            using var model = ModelFile.Load(device, modelPath);
            using var session = new InferenceSession(ExportedGraph(model), options);
            foreach (int batch in Batches)
            {
                var row = Measure(modelPath, model, session, test, batch);
                rows.Add(row);
                table.AddRow(Markup.Escape(Path.GetFileNameWithoutExtension(modelPath)), $"{batch}", $"{row.Project:F0}", $"{row.OnnxRuntime:F0}",
                    $"{row.Ratio:F3}", $"{row.MaxAbsDifference:E1}");
            }
        }
        AnsiConsole.Write(table);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(jsonPath))!);
        File.WriteAllText(jsonPath, JsonSerializer.Serialize(new
        {
            device = device.Description,
            onnx_runtime = OrtEnv.Instance().GetVersionString(),
            threads = options.IntraOpNumThreads,
            cores = Environment.ProcessorCount,
            data = test.Source,
            date = DateTime.UtcNow.ToString("u"),
            rows,
        }, new JsonSerializerOptions { WriteIndented = true }));
        AnsiConsole.MarkupLine($"wrote {Markup.Escape(jsonPath)}");
        return 0;
    }

    private static Row Measure(string modelPath, Model model, InferenceSession session, Dataset test, int batch)
    {
        var device = model.Device;
        float[] images = test.Images.AsSpan(0, batch * test.ImageSize).ToArray();
        long[] shape = [batch, .. model.InputShape.Select(d => (long)d)];
        string input = session.InputMetadata.Keys.Single(), output = session.OutputMetadata.Keys.Single();
        using var x = Tensor.Allocate(device, [batch, .. model.InputShape]);
        using var runOptions = new RunOptions();

        float[] Project()
        {
            x.CopyFrom(images);
            return model.Logits(x).ToArray();
        }
        float[] OnnxRuntime()
        {
            using var value = OrtValue.CreateTensorValueFromMemory(images, shape);
            using var results = session.Run(runOptions, [input], [value], [output]);
            return results[0].GetTensorDataAsSpan<float>().ToArray();
        }

        var (project, ort) = Timing.PairedMedians(() => Project(), () => OnnxRuntime());
        float[] a = Project(), b = OnnxRuntime();
        if (a.Length != b.Length) throw new InvalidOperationException($"{modelPath}: {a.Length} logits from the project, {b.Length} from ONNX Runtime");
        double diff = a.Zip(b, (u, v) => (double)Math.Abs(u - v)).Max();
        return new Row(Path.GetFileName(modelPath), batch, batch / project, batch / ort, ort / project, diff);
    }

    /// <summary>The model as the ONNX bytes <c>blindspots export</c> writes.</summary>
    internal static byte[] ExportedGraph(Model model)
    {
        string path = Path.Combine(Path.GetTempPath(), $"blindspots-bench-{Guid.NewGuid():N}{OnnxModelFile.Extension}");
        try
        {
            OnnxModelFile.Save(path, model);
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
