using System.Text.Json;

namespace IlgpuBlindSpots.Tests.ModelFiles;

/// <summary>
/// The PyTorch-exported fixtures (scripts/make_fixtures.py): tensor names follow the module-index
/// rule of docs/pytorch-export.md, shapes follow the arch spec, and each JSON file carries 4 inputs
/// and PyTorch's float32 outputs for the model test.
/// </summary>
public class PyTorchFixtureTests
{
    public static TheoryData<string, string, string, string> Fixtures => new()
    {
        { "tiny_mlp", "fc:7,tanh,dropout:0.25,fc:6,sigmoid,fc:4", "1x6x5", "1,4,6" },
        { "tiny_conv", "conv:3x3x3p1,relu,maxpool:2,conv:4x3x2s2p1,tanh,maxpool:2x2/1,fc:5", "1x9x8", "0,3,7" },
    };

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void MetadataStatesArchInputAndModules(string name, string arch, string input, string modules)
    {
        var file = SafetensorsFile.Read(RepoFiles.Fixture(name + ".safetensors"));
        Assert.Equal(arch, file.Metadata["arch"]);
        Assert.Equal(input, file.Metadata["input"]);
        Assert.Equal(modules, file.Metadata["modules"]);
        Assert.Equal(3, file.Metadata.Count);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void TensorNamesAndShapesFollowTheSpec(string name, string arch, string input, string modules)
    {
        var file = SafetensorsFile.Read(RepoFiles.Fixture(name + ".safetensors"));
        int[] chw = input.Split('x').Select(int.Parse).ToArray();
        int[] shape = chw; // what flows between layers: C, H, W, then [features]
        var layers = arch.Split(',');
        int firstFc = Array.FindIndex(layers, l => l.StartsWith("fc:"));
        var expected = new List<(string Name, int[] Shape)>();
        var indices = new List<int>();
        for (int k = 0; k < layers.Length; k++)
        {
            int module = k + (k >= firstFc ? 1 : 0); // the Flatten just before the first fc takes one index
            string[] parts = layers[k].Split(':');
            switch (parts[0])
            {
                case "fc":
                    int outputs = int.Parse(parts[1]);
                    expected.Add(($"{module}.weight", [outputs, shape.Aggregate(1, (a, b) => a * b)]));
                    expected.Add(($"{module}.bias", [outputs]));
                    indices.Add(module);
                    shape = [outputs];
                    break;
                case "conv":
                    // OxKHxKW[sS][pP]
                    string body = parts[1];
                    int stride = 1, pad = 0;
                    int p = body.IndexOf('p');
                    if (p >= 0) { pad = int.Parse(body[(p + 1)..]); body = body[..p]; }
                    int s = body.IndexOf('s');
                    if (s >= 0) { stride = int.Parse(body[(s + 1)..]); body = body[..s]; }
                    int[] okk = body.Split('x').Select(int.Parse).ToArray();
                    expected.Add(($"{module}.weight", [okk[0], shape[0], okk[1], okk[2]]));
                    expected.Add(($"{module}.bias", [okk[0]]));
                    indices.Add(module);
                    shape = [okk[0], (shape[1] + 2 * pad - okk[1]) / stride + 1, (shape[2] + 2 * pad - okk[2]) / stride + 1];
                    break;
                case "maxpool":
                    int window = int.Parse(parts[1].Split('x')[0].Split('/')[0]);
                    int poolStride = parts[1].Contains('/') ? int.Parse(parts[1].Split('/')[1]) : window;
                    shape = [shape[0], (shape[1] - window) / poolStride + 1, (shape[2] - window) / poolStride + 1];
                    break;
            }
        }
        Assert.Equal(modules, string.Join(",", indices));
        Assert.Equal(expected.Select(e => e.Name).Order(StringComparer.Ordinal), file.Tensors.Select(t => t.Name));
        foreach (var (tensorName, tensorShape) in expected)
            Assert.Equal(tensorShape, file.Get(tensorName).Shape);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void JsonCarriesFourInputsAndExactFloat32Logits(string name, string arch, string input, string modules)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(RepoFiles.Fixture(name + ".json")));
        var root = json.RootElement;
        Assert.Equal(name + ".safetensors", root.GetProperty("model").GetString());
        Assert.Equal(arch, root.GetProperty("arch").GetString());
        Assert.Equal(input, root.GetProperty("input").GetString());
        Assert.Equal(modules, root.GetProperty("modules").GetString());
        int inputSize = input.Split('x').Select(int.Parse).Aggregate(1, (a, b) => a * b);
        int outputs = int.Parse(arch.Split(',').Last(l => l.StartsWith("fc:"))[3..]);
        var inputs = root.GetProperty("inputs").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        var logits = root.GetProperty("logits").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        Assert.Equal(4, inputs.Length);
        Assert.Equal(4, logits.Length);
        Assert.All(inputs, x => Assert.Equal(inputSize, x.Length));
        Assert.All(logits, y => Assert.Equal(outputs, y.Length));
        Assert.All(inputs.SelectMany(x => x), v => Assert.InRange(v, 0.0, 1.0));
        // Every value is a float32 written in full: reading it as float loses nothing.
        Assert.All(inputs.Concat(logits).SelectMany(x => x), v => Assert.Equal(v, (double)(float)v));
        // Distinct inputs give distinct outputs: the fixture exercises the weights.
        Assert.Equal(4, logits.Select(y => string.Join(",", y)).Distinct().Count());
    }
}
