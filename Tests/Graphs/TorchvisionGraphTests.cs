using Microsoft.ML.OnnxRuntime;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;
using ILGPU.Runtime;

namespace IlgpuBlindSpots.Tests.Graphs;

/// <summary>
/// Reduced-width torchvision classifiers exported by scripts/make_graph_fixtures.py (residual Add,
/// depthwise Conv and Clip, Concat, BatchNormalization after Concat, Pad and AveragePool, Sigmoid·Mul
/// squeeze-excitation): imported as graphs, their logits agree with ONNX Runtime and PyTorch to 1e-4
/// of the largest, and the input gradients of the cross-entropy with PyTorch autograd's to 1e-3 of the largest.
/// </summary>
public class TorchvisionGraphTests
{
    private static readonly int[] Labels = [3, 7];

    public static TheoryData<string, int> Models()
    {
        var data = new TheoryData<string, int>();
        foreach (string name in new[] { "resnet18", "mobilenet_v2", "squeezenet1_1", "densenet121", "efficientnet_b0" })
            foreach (int opset in new[] { 13, 17 }) data.Add(name, opset);
        return data;
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void LogitsMatchOnnxRuntimeAndPyTorch(string name, int opset)
    {
        string path = RepoFiles.Fixture($"graphs/{name}_op{opset}.onnx");
        float[] input = ReadFloats("input.bin");
        using var model = OnnxModelFile.Load(TestDevice.Current, path);
        Assert.IsType<GraphModel>(model);
        Assert.Equal(new[] { 3, 32, 32 }, model.InputShape);
        using var x = Tensor.FromArray(TestDevice.Current, input, [2, 3, 32, 32]);
        float[] ours = model.Logits(x).ToArray();
        AssertClose(RunOnnxRuntime(path, input), ours, 1e-4, $"{name} opset {opset} vs ONNX Runtime");
        AssertClose(ReadFloats($"{name}.logits.bin"), ours, 1e-4, $"{name} opset {opset} vs PyTorch");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void InputGradientsMatchPyTorch(string name, int opset)
    {
        using var model = OnnxModelFile.Load(TestDevice.Current, RepoFiles.Fixture($"graphs/{name}_op{opset}.onnx"));
        using var x = Tensor.FromArray(TestDevice.Current, ReadFloats("input.bin"), [2, 3, 32, 32]);
        using var labels = TestDevice.Current.Accelerator.Allocate1D(Labels);
        var (gradient, _, _) = model.InputGradient(x, labels.View);
        AssertClose(ReadFloats($"{name}.grad.bin"), gradient.ToArray(), 1e-3, $"{name} opset {opset} input gradient vs PyTorch");
    }

    /// <summary>max |expected − actual| ≤ tolerance · max |expected|.</summary>
    internal static void AssertClose(float[] expected, float[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(v => Math.Abs((double)v));
        double worst = expected.Zip(actual, (e, a) => Math.Abs((double)e - a)).Max();
        Assert.True(scale > 0, $"{what}: the reference is all zeros");
        Assert.True(worst <= tolerance * scale, $"{what}: max difference {worst:G3} exceeds {tolerance:G2} × {scale:G3}");
    }

    internal static float[] ReadFloats(string file)
    {
        byte[] bytes = File.ReadAllBytes(RepoFiles.Fixture($"graphs/{file}"));
        var values = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }

    private static float[] RunOnnxRuntime(string path, float[] input)
    {
        using var session = new InferenceSession(path);
        var tensor = new DenseTensor(input, [2, 3, 32, 32]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(session.InputMetadata.Single().Key, tensor)]);
        return results.Single().AsEnumerable<float>().ToArray();
    }
}
