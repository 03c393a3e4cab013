using Google.Protobuf;
using Onnx;

namespace IlgpuBlindSpots.Tests.Graphs;

/// <summary>
/// A graph whose every value feeds the next two nodes (v[k] = v[k−1] + v[k−2], as densenet's blocks
/// reuse every earlier output) has exponentially many paths from the input. Import and export
/// must each visit a value once: the exporter once worked out shapes path by path, and densenet121
/// took hours to export.
/// </summary>
public sealed class DenselyConnectedExportTests
{
    /// <summary>Enough additions that visiting every path (Fibonacci(48) ≈ 5·10⁹ of them) never ends.</summary>
    private const int Additions = 48;

    [Fact]
    public async Task AGraphWithExponentiallyManyPathsExportsAtOnceAndComputesTheSameLogits()
    {
        using var folder = new TempFolder();
        string path = folder.File("dense.onnx"), exported = folder.File("exported.onnx");
        File.WriteAllBytes(path, FibonacciGraph().ToByteArray());
        using var model = OnnxModelFile.Load(TestDevice.Current, path);
        var export = Task.Run(() => OnnxModelFile.Save(exported, model));
        bool ended = await Task.WhenAny(export, Task.Delay(TimeSpan.FromMinutes(1))) == export;
        Assert.True(ended, "the export of a densely connected graph did not end within a minute");
        await export;

        float[] input = Rand.Uniform(48, 2 * 3 * 2 * 2, -1f, 1f);
        using var x = Tensor.FromArray(TestDevice.Current, input, [2, 3, 2, 2]);
        float[] logits = model.Logits(x, BackwardUse.None).ToArray();
        using var again = OnnxModelFile.Load(TestDevice.Current, exported);
        float[] reloaded = again.Logits(x, BackwardUse.None).ToArray();
        Assert.Equal(logits, reloaded);
        // v[k] = Fib(k)·x + Fib(k−1)·relu(x) for k ≥ 1 (v[0] = x, v[1] = relu(x)): the graph computes that.
        double a = 0, b = 1;   // coefficients of x and relu(x) in v[k−1]; v[k−2] = x
        double a2 = 1, b2 = 0;
        for (int k = 2; k <= Additions + 1; k++) (a2, b2, a, b) = (a, b, a + a2, b + b2);
        for (int i = 0; i < input.Length; i++)
        {
            double expected = a * input[i] + b * Math.Max(input[i], 0);
            Assert.True(Math.Abs(logits[i] - expected) <= 1e-5 * Math.Abs(a), $"logit {i}: {logits[i]}, expected {expected}");
        }
    }

    /// <summary>input [N, 3, 2, 2] → v1 = Relu(input), v[k] = Add(v[k−1], v[k−2]) → Flatten → [N, 12].</summary>
    private static ModelProto FibonacciGraph()
    {
        var graph = new GraphProto { Name = "fibonacci" };
        graph.Input.Add(Value("input", "N", 3, 2, 2));
        graph.Node.Add(Node("Relu", "relu", ["input"], "v1"));
        string previous = "input", last = "v1";
        for (int k = 2; k <= Additions + 1; k++)
        {
            graph.Node.Add(Node("Add", $"add{k}", [last, previous], $"v{k}"));
            (previous, last) = (last, $"v{k}");
        }
        graph.Node.Add(Node("Flatten", "flatten", [last], "logits"));
        graph.Output.Add(Value("logits", "N", 12));
        var model = new ModelProto { IrVersion = 7, Graph = graph, ProducerName = "tests" };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return model;
    }

    private static NodeProto Node(string op, string name, string[] inputs, string output)
    {
        var node = new NodeProto { Name = name, OpType = op };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        return node;
    }

    private static ValueInfoProto Value(string name, string batch, params int[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = batch });
        foreach (int d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        var tensor = new TypeProto.Types.Tensor { ElemType = 1, Shape = shape };
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensor } };
    }
}
