using System.Text.Json;

namespace IlgpuBlindSpots.Tests.ModelFiles;

/// <summary>
/// A conv net exported from PyTorch (non-square kernel, stride with padding, overlapping pool
/// windows): our layers on its weights give PyTorch's logits to 1e-5.
/// </summary>
public class PyTorchConvFixtureTests
{
    [Fact]
    public void TinyConvNetGivesPyTorchsLogits()
    {
        var file = SafetensorsFile.Read(RepoFiles.Fixture("tiny_conv.safetensors"));
        using var json = JsonDocument.Parse(File.ReadAllText(RepoFiles.Fixture("tiny_conv.json")));
        int[] input = file.Metadata["input"].Split('x').Select(int.Parse).ToArray();
        using var model = SequentialModel.Create(TestDevice.Current, file.Metadata["arch"], input);
        foreach (var p in model.Parameters)
        {
            var t = file.Get(p.Name);
            Assert.Equal(p.Value.Shape, t.Shape);
            p.Value.CopyFrom(t.Data);
        }

        var inputs = json.RootElement.GetProperty("inputs").EnumerateArray()
            .SelectMany(r => r.EnumerateArray().Select(v => v.GetSingle())).ToArray();
        var expected = json.RootElement.GetProperty("logits").EnumerateArray()
            .SelectMany(r => r.EnumerateArray().Select(v => (double)v.GetSingle())).ToArray();
        int batch = json.RootElement.GetProperty("inputs").GetArrayLength();
        using var x = Tensor.FromArray(TestDevice.Current, inputs, [batch, .. input]);
        Reference.Compare.Close(expected, model.Logits(x).ToArray(), rtol: 0, atol: 1e-5, what: "logits");
    }
}
