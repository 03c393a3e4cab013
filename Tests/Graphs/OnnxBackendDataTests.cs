using Google.Protobuf;
using Onnx;
using Xunit.Abstractions;

namespace IlgpuBlindSpots.Tests.Graphs;

/// <summary>A test that runs only where Debian's libonnx-testdata is installed, skipped with a message naming the folder otherwise.</summary>
public sealed class OnnxBackendDataFactAttribute : FactAttribute
{
    /// <summary>Where the package puts ONNX's backend test data.</summary>
    public const string Root = "/usr/share/libonnx-testdata/data";

    /// <summary>Skips the test when <see cref="Root"/> is absent.</summary>
    public OnnxBackendDataFactAttribute()
    {
        if (!Directory.Exists(Root)) Skip = $"libonnx-testdata is not installed ({Root} is absent; apt-get install libonnx-testdata)";
    }
}

/// <summary>
/// ONNX's own backend test data: every case with one float input (model.onnx, test_data_set_0/input_0.pb,
/// output_0.pb) is imported as a graph; those the importer accepts must reproduce output_0.pb within
/// 1e-4 (of the largest value, at least 1), those it refuses must be refused in one line naming the
/// file. Nothing may crash. The counts (run, passed, refused by reason) go to the test output.
/// </summary>
public class OnnxBackendDataTests(ITestOutputHelper output)
{
    private static readonly string[] Folders = ["node", "pytorch-converted", "pytorch-operator", "simple"];

    [OnnxBackendDataFact]
    public void EverySupportedCaseMatchesItsExpectedOutput()
    {
        int run = 0, passed = 0;
        var refused = new Dictionary<string, int>();
        var failures = new List<string>();
        foreach (string folder in Folders)
            foreach (string dir in Directory.GetDirectories(Path.Combine(OnnxBackendDataFactAttribute.Root, folder)).Order())
            {
                string model = Path.Combine(dir, "model.onnx"), data = Path.Combine(dir, "test_data_set_0");
                if (!File.Exists(model) || !File.Exists(Path.Combine(data, "input_0.pb")) || File.Exists(Path.Combine(data, "input_1.pb"))
                    || !File.Exists(Path.Combine(data, "output_0.pb")) || File.Exists(Path.Combine(data, "output_1.pb")))
                    continue;
                var input = FloatTensor(Path.Combine(data, "input_0.pb"));
                if (input == null) continue;
                string? failure = RunCase(model, input, Path.Combine(data, "output_0.pb"), refused);
                if (failure == "refused") continue;
                run++;
                if (failure == null) passed++;
                else failures.Add($"{folder}/{Path.GetFileName(dir)}: {failure}");
            }
        output.WriteLine($"run {run}, passed {passed}, refused {refused.Values.Sum()}");
        foreach (var (reason, count) in refused.OrderByDescending(r => r.Value)) output.WriteLine($"  refused {count}: {reason}");
        foreach (string f in failures) output.WriteLine($"  FAILED {f}");
        Assert.True(run > 0, "no case ran");
        Assert.True(failures.Count == 0, $"{failures.Count} of {run} cases failed: {string.Join("; ", failures.Take(5))}");
    }

    /// <summary>null when the case passed, "refused" when the importer refused it (counted by reason), else what went wrong.</summary>
    private static string? RunCase(string path, OnnxTensor input, string expectedFile, Dictionary<string, int> refused)
    {
        OnnxImport import;
        try
        {
            import = OnnxModelFile.Read(TestDevice.Cpu, path, classifier: false);
        }
        catch (BlindSpotsException e)
        {
            if (!e.Message.StartsWith(path + ": ", StringComparison.Ordinal) || e.Message.Contains('\n')) return $"refusal is not one line naming the file: {e.Message}";
            string reason = Reason(e.Message[(path.Length + 2)..]);
            refused[reason] = refused.GetValueOrDefault(reason) + 1;
            return "refused";
        }
        using var model = import.Model;
        int[] dims = input.Dims.Select(d => (int)d).ToArray();
        if (dims.Length < 2 || !dims[1..].SequenceEqual(model.InputShape)) return $"input {input.ShapeText} does not fit the model's {Tensor.Format(model.InputShape)}";
        using var x = Tensor.FromArray(TestDevice.Cpu, input.Floats!, dims);
        float[] actual = model.Forward(x, training: false).ToArray();
        float[] want = Read(expectedFile).Floats ?? [];
        if (actual.Length != want.Length) return $"{actual.Length} output values, expected {want.Length}";
        double scale = Math.Max(1, want.Max(v => Math.Abs((double)v)));
        double worst = want.Zip(actual, (e, a) => Math.Abs((double)e - a)).DefaultIfEmpty(0).Max();
        return worst <= 1e-4 * scale ? null : $"max difference {worst:G3} (scale {scale:G3})";
    }

    private static string Reason(string message)
    {
        int op = message.IndexOf("has op type '", StringComparison.Ordinal);
        if (op >= 0) return "op " + message[(op + 13)..message.IndexOf('\'', op + 13)];
        if (message.Contains("graph inputs")) return "more than one graph input (weights as inputs)";
        if (message.Contains("opset")) return "opset outside 9-21";
        if (message.Contains("element type")) return "input not float32";
        // Node and value names and numbers vary from case to case; the reason is what remains.
        string text = System.Text.RegularExpressions.Regex.Replace(message, @"^node '[^']*'( \(output '[^']*'\))? ", "");
        text = System.Text.RegularExpressions.Regex.Replace(text, @"'[^']*'", "'…'");
        return string.Concat(text.TakeWhile(c => !char.IsDigit(c) && c != '[').Take(80)).Trim();
    }

    /// <summary>The file's tensor when it is one float32 tensor (not a sequence, not another type), else null.</summary>
    private static OnnxTensor? FloatTensor(string file)
    {
        try
        {
            var proto = TensorProto.Parser.ParseFrom(File.ReadAllBytes(file));
            return proto.DataType == (int)TensorProto.Types.DataType.Float ? Read(file) : null;
        }
        catch (Exception e) when (e is BlindSpotsException or InvalidProtocolBufferException)
        {
            return null;
        }
    }

    private static OnnxTensor Read(string file) =>
        OnnxTensor.Decode(TensorProto.Parser.ParseFrom(File.ReadAllBytes(file)), m => new BlindSpotsException($"{file}: {m}"));
}
