using Microsoft.ML.OnnxRuntime;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;

namespace IlgpuBlindSpots.Tests.Graphs;

/// <summary>
/// Imported torchvision graphs written back: to the project's safetensors model files (the graph in
/// the metadata), loading to the same logits bit for bit, and to ONNX, which ONNX Runtime runs to
/// the original file's logits within 1e-4 of the largest.
/// </summary>
public class GraphModelFileTests
{
    public static TheoryData<string> Models => new() { "resnet18", "mobilenet_v2", "squeezenet1_1", "densenet121", "efficientnet_b0" };

    [Theory]
    [MemberData(nameof(Models))]
    public void SafetensorsRoundTripGivesTheSameLogits(string name)
    {
        using var model = OnnxModelFile.Load(TestDevice.Cpu, RepoFiles.Fixture($"graphs/{name}_op13.onnx"));
        using var folder = new TempFolder();
        string path = folder.File($"{name}.safetensors");
        ModelFile.Save(path, model, new Dictionary<string, string> { ["note"] = "test" });
        using var back = ModelFile.Load(TestDevice.Cpu, path);
        Assert.IsType<GraphModel>(back);
        Assert.Equal(model.ParameterCount, back.ParameterCount);
        Assert.Equal(Logits(model), Logits(back));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void OnnxExportAgreesWithOnnxRuntimeOnTheOriginal(string name)
    {
        string original = RepoFiles.Fixture($"graphs/{name}_op13.onnx");
        using var model = OnnxModelFile.Load(TestDevice.Cpu, original);
        using var folder = new TempFolder();
        string exported = folder.File($"{name}.onnx");
        OnnxModelFile.Save(exported, model);
        TorchvisionGraphTests.AssertClose(RunOnnxRuntime(original), RunOnnxRuntime(exported), 1e-4, $"{name} exported vs original, ONNX Runtime");
        using var again = OnnxModelFile.Load(TestDevice.Cpu, exported);
        TorchvisionGraphTests.AssertClose(Logits(model), Logits(again), 1e-4, $"{name} exported and imported again");
    }

    [Fact]
    public void AGraphFileWithAMissingTensorIsOneLine()
    {
        using var model = OnnxModelFile.Load(TestDevice.Cpu, RepoFiles.Fixture("graphs/squeezenet1_1_op13.onnx"));
        using var folder = new TempFolder();
        string path = folder.File("bad.safetensors");
        var (metadata, tensors) = GraphModelFile.Describe((GraphModel)model);
        SafetensorsFile.Write(path, tensors.Skip(1), metadata);
        var e = Assert.Throws<BlindSpotsException>(() => ModelFile.Load(TestDevice.Cpu, path).Dispose());
        Assert.StartsWith($"{path}: missing tensor '{tensors[0].Name}'", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    private static float[] Input() =>
        Enumerable.Range(0, 2 * 3 * 32 * 32).Select(i => (float)((i * 7919 % 1000) / 1000.0)).ToArray();

    private static float[] Logits(Model model)
    {
        using var x = Tensor.FromArray(TestDevice.Cpu, Input(), [2, 3, 32, 32]);
        return model.Logits(x).ToArray();
    }

    private static float[] RunOnnxRuntime(string path)
    {
        using var session = new InferenceSession(path);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(session.InputMetadata.Single().Key, new DenseTensor(Input(), [2, 3, 32, 32]))]);
        return results.Single().AsEnumerable<float>().ToArray();
    }
}
