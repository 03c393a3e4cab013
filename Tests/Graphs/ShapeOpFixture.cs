using Microsoft.ML.OnnxRuntime;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;

namespace IlgpuBlindSpots.Tests.Graphs;

/// <summary>
/// One of the small shape-op networks (scripts/make_shape_op_fixtures.py, input [2, 3, 16, 16]) run
/// three ways: imported as a graph, by ONNX Runtime from the fixture, and by ONNX Runtime from the
/// project's own export of the import. Each test asks which layer it must contain and what else to check.
/// </summary>
internal sealed class ShapeOpFixture : IDisposable
{
    private static readonly int[] Shape = [2, 3, 16, 16];
    private readonly string path;

    private ShapeOpFixture(string fixture, int seed)
    {
        path = RepoFiles.Fixture(fixture);
        Input = Rand.Uniform(seed, Shape.Aggregate(1, (a, b) => a * b), 0f, 1f);
        Model = (GraphModel)OnnxModelFile.Load(TestDevice.Current, path);
        X = Tensor.FromArray(TestDevice.Current, Input, Shape);
        Logits = Model.Logits(X, BackwardUse.None).ToArray();
    }

    public float[] Input { get; }
    public GraphModel Model { get; }
    public Tensor X { get; }
    public float[] Logits { get; }
    public TempFolder Folder { get; } = new();

    /// <summary>Imports <paramref name="fixture"/> and checks its logits against ONNX Runtime's to 1e-4 of the largest.</summary>
    public static ShapeOpFixture Imported(string fixture, int seed, string what)
    {
        var loaded = new ShapeOpFixture(fixture, seed);
        TorchvisionGraphTests.AssertClose(RunOnnxRuntime(loaded.path, loaded.Input), loaded.Logits, 1e-4, $"{what} vs ONNX Runtime");
        return loaded;
    }

    /// <summary>Exports the import as ONNX and checks ONNX Runtime's logits for it against the import's.</summary>
    public void ExportAgrees(string what)
    {
        string exported = Folder.File("exported.onnx");
        OnnxModelFile.Save(exported, Model);
        TorchvisionGraphTests.AssertClose(RunOnnxRuntime(exported, Input), Logits, 1e-4, $"exported {what} in ONNX Runtime");
    }

    private static float[] RunOnnxRuntime(string onnx, float[] input)
    {
        using var session = new InferenceSession(onnx);
        var tensor = new DenseTensor(input, Shape);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(session.InputMetadata.Single().Key, tensor)]);
        return results.First().AsEnumerable<float>().ToArray();
    }

    public void Dispose()
    {
        X.Dispose();
        Model.Dispose();
        Folder.Dispose();
    }
}
