using System.Text.Json;

namespace IlgpuBlindSpots.Tests.ModelFiles;

/// <summary>Model files: PyTorch's tiny_mlp gives PyTorch's logits, save→load is exact, and every malformed file is refused naming file and tensor.</summary>
public class ModelFileTests
{
    private static (float[] Inputs, double[] Logits, int Count) Expected(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(RepoFiles.Fixture(name + ".json")));
        var inputs = doc.RootElement.GetProperty("inputs").EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => v.GetSingle())).ToArray();
        var logits = doc.RootElement.GetProperty("logits").EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => v.GetDouble())).ToArray();
        return (inputs, logits, doc.RootElement.GetProperty("inputs").GetArrayLength());
    }

    private static float[] Logits(Model model, float[] inputs, int count)
    {
        using var x = Tensor.FromArray(TestDevice.Current, inputs, [count, .. model.InputShape]);
        return model.Logits(x).ToArray();
    }

    [Fact]
    public void TinyMlpGivesPyTorchsLogits()
    {
        using var model = ModelFile.Load(TestDevice.Current, RepoFiles.Fixture("tiny_mlp.safetensors"));
        Assert.Equal("fc:7,tanh,dropout:0.25,fc:6,sigmoid,fc:4", model.AsChain("test").Architecture.ToString());
        var (inputs, logits, count) = Expected("tiny_mlp");
        Compare.Close(logits, Logits(model, inputs, count), 1e-5, 1e-5, "tiny_mlp logits");
    }

    [Fact]
    public void SaveThenLoadGivesBitIdenticalLogitsAndRecordsMetadata()
    {
        using var folder = new TempFolder();
        using var model = SequentialModel.Create(TestDevice.Current, "fc:9,relu,dropout:0.5,fc:5,sigmoid,fc:3", [1, 4, 5]);
        model.Initialize(7);
        var inputs = Rand.Uniform(1, 6 * 20, 0f, 1f);
        string path = folder.File("m.safetensors");
        ModelFile.Save(path, model, new Dictionary<string, string> { ["seed"] = "7" });
        using var loaded = ModelFile.Load(TestDevice.Current, path);
        Assert.Equal(Logits(model, inputs, 6), Logits(loaded, inputs, 6));
        var file = SafetensorsFile.Read(path);
        Assert.Equal("fc:9,relu,dropout:0.5,fc:5,sigmoid,fc:3", file.Metadata["arch"]);
        Assert.Equal("1x4x5", file.Metadata["input"]);
        Assert.Equal("1,4,6", file.Metadata["modules"]);
        Assert.Equal("7", file.Metadata["seed"]);
        Assert.Equal(["1.bias", "1.weight", "4.bias", "4.weight", "6.bias", "6.weight"], file.Tensors.Select(t => t.Name));
    }

    [Fact]
    public void FileNumberedWithoutFlattenStillLoads()
    {
        using var folder = new TempFolder();
        var file = SafetensorsFile.Read(RepoFiles.Fixture("tiny_mlp.safetensors"));
        // A Sequential without nn.Flatten numbers the same layers 0, 3, 5.
        var renamed = file.Tensors.Select(t => t with { Name = t.Name.Replace("1.", "0.").Replace("4.", "3.").Replace("6.", "5.") });
        string path = folder.File("renumbered.safetensors");
        SafetensorsFile.Write(path, renamed, file.Metadata.ToDictionary());
        using var model = ModelFile.Load(TestDevice.Current, path);
        var (inputs, logits, count) = Expected("tiny_mlp");
        Compare.Close(logits, Logits(model, inputs, count), 1e-5, 1e-5, "renumbered tiny_mlp logits");
    }

    public static TheoryData<string, string> Refusals => new()
    {
        { "no-arch", "'arch'" },
        { "bad-arch", "metadata 'arch'" },
        { "no-input", "'input'" },
        { "bad-input", "'input'" },
        { "shape", "'4.weight'" },
        { "missing-tensor", "'6.bias'" },
        { "missing-layer", "fc:4" },
        { "extra-tensor", "'4.extra'" },
        { "extra-layer", "'9.weight'" },
        { "bad-name", "'weight'" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void MalformedFilesAreRefusedNamingFileAndTensor(string kind, string fragment)
    {
        using var folder = new TempFolder();
        var file = SafetensorsFile.Read(RepoFiles.Fixture("tiny_mlp.safetensors"));
        var meta = file.Metadata.ToDictionary();
        var tensors = file.Tensors.ToList();
        switch (kind)
        {
            case "no-arch": meta.Remove("arch"); break;
            case "bad-arch": meta["arch"] = "fc:7,wobble,fc:4"; break;
            case "no-input": meta.Remove("input"); break;
            case "bad-input": meta["input"] = "6x5"; break;
            case "shape": tensors[tensors.FindIndex(t => t.Name == "4.weight")] = new NamedTensor("4.weight", [6, 6], new float[36]); break;
            case "missing-tensor": tensors.RemoveAll(t => t.Name == "6.bias"); break;
            case "missing-layer": tensors.RemoveAll(t => t.Name.StartsWith("6.")); break;
            case "extra-tensor": tensors.Add(new NamedTensor("4.extra", [1], [0f])); break;
            case "extra-layer": tensors.Add(new NamedTensor("9.weight", [1], [0f])); break;
            case "bad-name": tensors.Add(new NamedTensor("weight", [1], [0f])); break;
        }
        string path = folder.File(kind + ".safetensors");
        SafetensorsFile.Write(path, tensors, meta);
        var e = Assert.Throws<BlindSpotsException>(() => ModelFile.Load(TestDevice.Current, path).Dispose());
        Assert.StartsWith(path + ":", e.Message);
        Assert.Contains(fragment, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
