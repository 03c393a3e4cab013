using System.Text.Json;
using Google.Protobuf;
using IlgpuBlindSpots.Network.Layers;
using Microsoft.ML.OnnxRuntime;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;
using Onnx;

namespace IlgpuBlindSpots.Tests.ModelFiles;

/// <summary>
/// ONNX in and out: the PyTorch-exported fixtures (scripts/make_onnx_fixtures.py) give PyTorch's
/// logits and ONNX Runtime's; models the project saves as ONNX run in ONNX Runtime and load back;
/// malformed graphs and damaged bytes get one clear <see cref="BlindSpotsException"/>.
/// </summary>
public class OnnxModelFileTests
{
    private const double Tolerance = 1e-5;

    public static TheoryData<string, string, string> Fixtures => new()
    {
        { "tiny_mlp", "norm:0.1307/0.3081,fc:7,tanh,fc:6,sigmoid,fc:4", "1x5x6" },
        { "tiny_conv", "norm:0.485;0.456;0.406/0.229;0.224;0.225,conv:4x3x3p1,relu,maxpool:2,conv:5x3x3s2p1,tanh,fc:6", "3x8x8" },
    };

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void FixtureLoadsAsTheExpectedLayersAndMatchesPyTorchLogits(string name, string arch, string input)
    {
        var fixture = Fixture.Read(name);
        var import = OnnxModelFile.Read(TestDevice.Current, RepoFiles.Fixture($"onnx/{name}.onnx"));
        using var model = import.Model;
        Assert.Equal(input, string.Join("x", model.InputShape));
        // The normalisation constants come back within float rounding (1/std is stored, std recovered from it).
        var expectedLayers = ArchitectureSpec.Parse(arch).Layers;
        Assert.Equal(expectedLayers.Count, model.AsChain("test").Architecture.Layers.Count);
        foreach (var (e, a) in expectedLayers.Zip(model.AsChain("test").Architecture.Layers))
        {
            if (e is NormalizeSpec en && a is NormalizeSpec an)
            {
                Compare.Close(en.Means.Select(v => (double)v).ToArray(), an.Means.ToArray(), rtol: 1e-6, atol: 1e-7, what: "means");
                Compare.Close(en.Stds.Select(v => (double)v).ToArray(), an.Stds.ToArray(), rtol: 1e-6, atol: 1e-7, what: "stds");
            }
            else
            {
                Assert.Equal(e.ToString(), a.ToString());
            }
        }
        // Both fixtures normalise their input inside the graph; tiny_mlp also ends with a LogSoftmax.
        Assert.Equal(fixture.Softmax ? 2 : 1, import.Notices.Count);
        Assert.Single(import.Notices, n => n.Contains("input normalisation") && n.Contains("norm:"));
        Assert.Equal(fixture.Softmax ? 1 : 0, import.Notices.Count(n => n.Contains("trailing LogSoftmax") && n.Contains("dropped")));

        var logits = Logits(model, fixture.Inputs);
        Compare.Close(fixture.Logits.SelectMany(r => r).ToArray(), logits, rtol: Tolerance, atol: Tolerance, what: $"{name} vs PyTorch");
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void FixtureMatchesOnnxRuntime(string name, string arch, string input)
    {
        _ = arch;
        _ = input;
        var fixture = Fixture.Read(name);
        string path = RepoFiles.Fixture($"onnx/{name}.onnx");
        using var model = OnnxModelFile.Load(TestDevice.Current, path);
        var ours = Logits(model, fixture.Inputs);
        var runtime = RunOnnxRuntime(path, fixture.Inputs, fixture.Shape);
        // ONNX Runtime runs the whole graph, the dropped LogSoftmax included: apply it to ours too.
        var expected = fixture.Softmax ? LogSoftmax(runtime, model.Classes) : runtime.Select(v => (double)v).ToArray();
        var actual = fixture.Softmax ? LogSoftmax(ours, model.Classes).Select(v => (float)v).ToArray() : ours;
        Compare.Close(expected, actual, rtol: Tolerance, atol: Tolerance, what: $"{name} vs ONNX Runtime");
    }

    public static TheoryData<string, string> ProjectModels => new()
    {
        { "fc:5,sigmoid,dropout:0.5,fc:3", "1x4x4" },
        { "norm:0.5/0.25,conv:3x3x3p1,relu,maxpool:2,conv:2x2x2s2,tanh,fc:4", "1x6x6" },
        { "norm:0.4;0.5;0.6/0.2;0.3;0.25,conv:2x3x3s2p1,relu,maxpool:3x2s1p1,fc:5,relu,fc:3", "3x7x7" },
    };

    [Theory]
    [MemberData(nameof(ProjectModels))]
    public void ExportRunsInOnnxRuntimeAndLoadsBackToIdenticalLogits(string arch, string input)
    {
        int[] shape = input.Split('x').Select(int.Parse).ToArray();
        using var model = SequentialModel.Create(TestDevice.Current, arch, shape);
        model.Initialize(7);
        var inputs = Enumerable.Range(0, 4).Select(i => Rand.Uniform(40 + i, model.InputLength, 0f, 1f)).ToArray();
        var logits = Logits(model, inputs);
        using var folder = new TempFolder();
        string path = folder.File("model.onnx");
        OnnxModelFile.Save(path, model);

        var runtime = RunOnnxRuntime(path, inputs, shape);
        Compare.Close(logits.Select(v => (double)v).ToArray(), runtime, rtol: Tolerance, atol: Tolerance, what: $"{arch} in ONNX Runtime");

        using var back = ModelFile.Load(TestDevice.Current, path);
        Assert.Equal(arch.Replace(",dropout:0.5", ""), back.AsChain("test").Architecture.ToString());
        Assert.Equal(logits, Logits(back, inputs));
    }

    [Fact]
    public void MatMulPlusAddAndGemmWithoutTransposeLoadAsTheSameFc()
    {
        using var model = SequentialModel.Create(TestDevice.Current, "fc:4,relu,fc:3", [1, 2, 3]);
        model.Initialize(3);
        var inputs = Enumerable.Range(0, 2).Select(i => Rand.Uniform(60 + i, 6, 0f, 1f)).ToArray();
        var logits = Logits(model, inputs);
        using var folder = new TempFolder();
        string path = folder.File("m.onnx");
        OnnxModelFile.Save(path, model);
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));

        // First Gemm → MatMul + Add with W transposed; second Gemm → transB 0; Flatten → Reshape [0, -1].
        var g = proto.Graph;
        var gemms = g.Node.Where(n => n.OpType == "Gemm").ToList();
        Transpose(g, gemms[0].Input[1]);
        Transpose(g, gemms[1].Input[1]);
        gemms[1].Attribute.Single(a => a.Name == "transB").I = 0;
        var add = new NodeProto { Name = "bias0", OpType = "Add" };
        add.Input.Add("mm0");
        add.Input.Add(gemms[0].Input[2]);
        add.Output.Add(gemms[0].Output[0]);
        gemms[0].OpType = "MatMul";
        gemms[0].Attribute.Clear();
        gemms[0].Input.RemoveAt(2);
        gemms[0].Output[0] = "mm0";
        g.Node.Insert(g.Node.IndexOf(gemms[0]) + 1, add);
        var flatten = g.Node.Single(n => n.OpType == "Flatten");
        flatten.OpType = "Reshape";
        flatten.Attribute.Clear();
        flatten.Input.Add("target");
        var target = new TensorProto { Name = "target", DataType = 7 };
        target.Dims.Add(2);
        target.Int64Data.AddRange([0, -1]);
        g.Initializer.Add(target);
        File.WriteAllBytes(path, proto.ToByteArray());

        using var back = ModelFile.Load(TestDevice.Current, path);
        Assert.Equal("fc:4,relu,fc:3", back.AsChain("test").Architecture.ToString());
        Assert.Equal(logits, Logits(back, inputs));
        Compare.Close(logits.Select(v => (double)v).ToArray(), RunOnnxRuntime(path, inputs, [1, 2, 3]), rtol: Tolerance, atol: Tolerance, what: "MatMul graph in ONNX Runtime");
    }

    [Fact]
    public void FlatSquareInputIsReadAsAnImageAndSaysSo()
    {
        using var model = SequentialModel.Create(TestDevice.Current, "fc:3", [1, 1, 16]);
        model.Initialize(5);
        using var folder = new TempFolder();
        string path = folder.File("flat.onnx");
        OnnxModelFile.Save(path, model);
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        // [batch, 1, 1, 16] → [batch, 16]
        var dims = proto.Graph.Input[0].Type.TensorType.Shape.Dim;
        dims.RemoveAt(3);
        dims.RemoveAt(2);
        dims[1].DimValue = 16;
        File.WriteAllBytes(path, proto.ToByteArray());

        var import = OnnxModelFile.Read(TestDevice.Current, path);
        using var back = import.Model;
        Assert.Equal(new[] { 1, 4, 4 }, back.InputShape);
        Assert.Equal($"{path}: flat input 'input' of 16 values read as 1x4x4 images", Assert.Single(import.Notices));
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "truncated", "not an ONNX model" },
        { "unknown op", "node 'layer2/Relu' has op type 'Erf', which is not supported; supported: Conv" },
        { "missing initializer", "input 'layer1.weight' is neither an initializer nor a constant" },
        { "shapes do not chain", "takes 7 features but its input has 18" },
        { "second input", "has 2 graph inputs ('input', 'extra')" },
        { "asymmetric pads", "(Gemm): weight 'layer3.weight' [3, 18] takes 18 features but its input has 8" },
        { "unequal strides", "(Gemm): weight 'layer3.weight' [3, 18] takes 18 features but its input has 12" },
        { "grouped conv", "in 2 groups does not fit 1 input channels" },
        { "opset 8", "opset 8 is not supported" },
        { "cycle", "is neither an initializer nor a constant, nor computed by an earlier node" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedFileGetsOneClearLine(string damage, string expected)
    {
        using var model = SequentialModel.Create(TestDevice.Current, "norm:0.5/0.5,conv:2x3x3p1,relu,fc:3", [1, 3, 3]);
        using var folder = new TempFolder();
        string path = folder.File("bad.onnx");
        OnnxModelFile.Save(path, model);
        byte[] bytes = File.ReadAllBytes(path);
        var proto = ModelProto.Parser.ParseFrom(bytes);
        var g = proto.Graph;
        NodeProto Op(string op) => g.Node.First(n => n.OpType == op);
        AttributeProto Attr(string op, string name) => Op(op).Attribute.Single(a => a.Name == name);
        switch (damage)
        {
            case "truncated": bytes = bytes[..(bytes.Length / 2)]; break;
            case "unknown op": Op("Relu").OpType = "Erf"; break;
            case "missing initializer": g.Initializer.Remove(g.Initializer.Single(t => t.Name == "layer1.weight")); break;
            case "shapes do not chain":
                var w = g.Initializer.Single(t => t.Name == "layer3.weight");
                w.Dims.Clear();
                w.Dims.AddRange([6, 7]);
                w.RawData = ByteString.CopyFrom(new byte[6 * 7 * 4]);
                break;
            case "second input": g.Input.Add(g.Input[0].Clone()); g.Input[^1].Name = "extra"; break;
            case "asymmetric pads": Attr("Conv", "pads").Ints[2] = 0; Attr("Conv", "pads").Ints[3] = 0; break;
            case "unequal strides": Attr("Conv", "strides").Ints[1] = 2; break;
            case "grouped conv": Attr("Conv", "group").I = 2; break;
            case "opset 8": proto.OpsetImport[0].Version = 8; break;
            case "cycle": Op("Relu").Input[0] = Op("Relu").Output[0]; break;
        }
        if (damage != "truncated") bytes = proto.ToByteArray();
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<BlindSpotsException>(() => ModelFile.Load(TestDevice.Current, path).Dispose());
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void DamagedBytesAreReadOrRefusedWithBlindSpotsException()
    {
        var timeout = TimeSpan.FromSeconds(10);
        int refused = 0;
        foreach (var (name, seed) in new[] { ("tiny_mlp", 71), ("tiny_conv", 72) })
        {
            byte[] valid = File.ReadAllBytes(RepoFiles.Fixture($"onnx/{name}.onnx"));
            refused += ByteMutation.LoadMutations(valid, seed, 150, ".onnx", p => ModelFile.Load(TestDevice.Current, p).Dispose(), timeout);
        }
        // The mutations must bite: most damaged files are refused.
        Assert.True(refused > 100, $"only {refused} of 300 damaged files were refused");
    }

    private static float[] Logits(Model model, float[][] inputs)
    {
        using var x = Tensor.FromArray(TestDevice.Current, inputs.SelectMany(r => r).ToArray(), [inputs.Length, .. model.InputShape]);
        return model.Logits(x).ToArray();
    }

    private static float[] RunOnnxRuntime(string path, float[][] inputs, int[] perExample)
    {
        using var session = new InferenceSession(path);
        var meta = session.InputMetadata.Single();
        // The graph's own input rank: [batch, features] or [batch, C, H, W].
        int[] dims = meta.Value.Dimensions.Length == 2
            ? [inputs.Length, perExample.Aggregate(1, (a, b) => a * b)]
            : [inputs.Length, .. perExample];
        var tensor = new DenseTensor(inputs.SelectMany(r => r).ToArray(), dims);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(meta.Key, tensor)]);
        return results.Single().AsEnumerable<float>().ToArray();
    }

    private static double[] LogSoftmax(float[] logits, int classes)
    {
        var r = new double[logits.Length];
        for (int b = 0; b < logits.Length / classes; b++)
        {
            var row = logits.Skip(b * classes).Take(classes).Select(v => (double)v).ToArray();
            double max = row.Max(), log = Math.Log(row.Sum(v => Math.Exp(v - max))) + max;
            for (int k = 0; k < classes; k++) r[b * classes + k] = row[k] - log;
        }
        return r;
    }

    private static void Transpose(GraphProto g, string name)
    {
        var t = g.Initializer.Single(i => i.Name == name);
        int rows = (int)t.Dims[0], cols = (int)t.Dims[1];
        var v = new float[rows * cols];
        Buffer.BlockCopy(t.RawData.ToByteArray(), 0, v, 0, v.Length * 4);
        var tr = new float[v.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                tr[c * rows + r] = v[r * cols + c];
        var bytes = new byte[v.Length * 4];
        Buffer.BlockCopy(tr, 0, bytes, 0, bytes.Length);
        t.RawData = ByteString.CopyFrom(bytes);
        t.Dims[0] = cols;
        t.Dims[1] = rows;
    }

    private sealed record Fixture(bool Softmax, int[] Shape, float[][] Inputs, double[][] Logits)
    {
        public static Fixture Read(string name)
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(RepoFiles.Fixture($"onnx/{name}.json")));
            var root = doc.RootElement;
            return new Fixture(
                root.GetProperty("softmax").GetBoolean(),
                root.GetProperty("input").GetString()!.Split('x').Select(int.Parse).ToArray(),
                root.GetProperty("inputs").EnumerateArray().Select(r => r.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray()).ToArray(),
                root.GetProperty("logits").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray());
        }
    }
}
