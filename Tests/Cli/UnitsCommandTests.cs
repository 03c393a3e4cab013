using System.Text.Json;
using IlgpuBlindSpots.Cli;

namespace IlgpuBlindSpots.Tests.Cli;

/// <summary><c>blindspots units</c> end to end on the committed sample (as IDX files and as a .npy), and its refusals.</summary>
public sealed class UnitsCommandTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    private static string Model(string name) => Path.Combine(RepoFiles.Root, "models", name);

    [Fact]
    public void WritesReportJsonAndGridsForTheSample()
    {
        string outDir = folder.File("units");
        var (code, stdout, stderr) = CliRun.Run("units", "--model", Model("fc100-100-10.safetensors"), "--layer", "sigmoid@1",
            "--data", RepoFiles.DataRoot + "/sample", "--range", "100:300", "--directions", "6", "--top", "4", "--grid", "3",
            "--device", TestDevice.Spec, "--out", outDir);
        Assert.True(code == 0, stderr);
        Assert.Contains("activations of layer 2 (sigmoid): 300/300 images", stderr);
        Assert.Contains("purity natural", stdout);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "units.json")));
        var root = json.RootElement;
        Assert.Equal(2, root.GetProperty("layer").GetProperty("position").GetInt32());
        Assert.Equal(100, root.GetProperty("layer").GetProperty("units").GetInt32());
        Assert.Equal(300, root.GetProperty("images").GetInt32());
        var natural = root.GetProperty("natural").EnumerateArray().ToList();
        var random = root.GetProperty("random").EnumerateArray().ToList();
        Assert.Equal(6, natural.Count);
        Assert.Equal(6, random.Count);
        foreach (var d in natural.Concat(random))
        {
            var images = d.GetProperty("images").EnumerateArray().Select(e => e.GetInt32()).ToList();
            Assert.Equal(4, images.Count);
            Assert.All(images, i => Assert.InRange(i, 100, 399)); // data-set indices of the range
            var projections = d.GetProperty("projections").EnumerateArray().Select(e => e.GetSingle()).ToList();
            Assert.Equal(projections.OrderDescending(), projections);
            var labels = d.GetProperty("labels").EnumerateArray().Select(e => e.GetInt32()).ToList();
            double purity = labels.GroupBy(l => l).Max(g => g.Count()) / 4.0;
            Assert.Equal(purity, d.GetProperty("purity").GetDouble(), 12);
        }
        var purityNatural = root.GetProperty("purity").GetProperty("natural");
        Assert.Equal(6, purityNatural.GetProperty("n").GetInt32());
        double mean = natural.Average(d => d.GetProperty("purity").GetDouble());
        Assert.Equal(mean, purityNatural.GetProperty("mean").GetDouble(), 12);
        Assert.True(purityNatural.GetProperty("low").GetDouble() <= mean && mean <= purityNatural.GetProperty("high").GetDouble());
        double p = root.GetProperty("similarity").GetProperty("permutation_p").GetDouble();
        Assert.InRange(p, 0, 1);

        string md = File.ReadAllText(Path.Combine(outDir, "units.md"));
        Assert.Contains("| label purity |", md);
        Assert.Contains("| activation similarity |", md);
        Assert.Contains("| centred activation similarity |", md);
        Assert.Equal(6, root.GetProperty("centered_similarity").GetProperty("random").GetProperty("n").GetInt32());
        // Centred cosines spread over [−1, 1]; all zeros would mean the centre was not the mean activation.
        Assert.Contains(natural, d => Math.Abs(d.GetProperty("centered_similarity").GetDouble()) > 0.01);
        Assert.All(natural, d => Assert.InRange(d.GetProperty("centered_similarity").GetDouble(), -1, 1));
        Assert.Contains("![top images of natural directions](natural.png)", md);
        // 3 directions side by side, 4 images each: 3·28 + 2 separators wide, 4·28 + 3 high.
        var grid = IlgpuBlindSpots.Network.Data.ImageFiles.Load(Path.Combine(outDir, "natural.png"), 1, 4 * 28 + 3, 3 * 28 + 2);
        Assert.Equal(1, grid.Count);
        Assert.True(File.Exists(Path.Combine(outDir, "random.png")));
    }

    [Fact]
    public void LabelledNpyGivesTheReportOfTheIdxFilesItCameFrom()
    {
        const int count = 60;
        var sample = Dataset.Load("sample", DatasetSplit.Test, RepoFiles.DataRoot).Slice(0, count);
        string images = folder.File("x.npy"), labels = folder.File("y.npy");
        NpyFile.Write(images, NpyType.UInt8, [count, 28, 28], sample.Images.Select(v => (byte)Math.Round(v * 255)).ToArray());
        NpyFile.Write(labels, NpyType.UInt8, [count], sample.Labels.Select(l => (byte)l).ToArray());
        string Summary(string name, params string[] data)
        {
            string outDir = folder.File(name);
            var (code, stdout, stderr) = CliRun.Run(["units", "--model", Model("fc100-100-10.safetensors"), "--directions", "4", "--top", "3",
                "--device", TestDevice.Spec, "--out", outDir, .. data]);
            Assert.True(code == 0, stderr);
            return stdout.Replace(outDir, "OUT");
        }
        string fromIdx = Summary("idx", "--data", RepoFiles.DataRoot + "/sample", "--range", $"0:{count}");
        Assert.Contains("purity natural", fromIdx);
        Assert.Equal(fromIdx, Summary("npy", "--data", images, "--labels", labels));
        string refused = CliRun.Refused(CliRun.Run("units", "--model", Model("fc100-100-10.safetensors"), "--data", images,
            "--device", TestDevice.Spec, "--out", folder.File("unlabelled")));
        Assert.Contains("units needs labels", refused);
        Assert.False(Directory.Exists(folder.File("unlabelled")));
    }

    public static TheoryData<string, string[], string> BadInputs => new()
    {
        { "fc100-100-10.safetensors", ["--layer", "9"], "--layer 9: there is no such layer" },
        { "fc100-100-10.safetensors", ["--layer", "5"], "is the output layer" },
        { "fc10-1e-4.safetensors", [], "has no hidden layer, so no activations to analyse" },
        { "fc100-100-10.safetensors", ["--top", "201"], "--top 201 is more than the 200 images of the set" },
        { "fc100-100-10.safetensors", ["--top", "1"], "--top must be at least 2" },
        { "fc100-100-10.safetensors", ["--directions", "1"], "--directions must be at least 2" },
        { "fc100-100-10.safetensors", ["--split", "valid"], "--split" },
        { "missing.safetensors", [], "no such file" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void BadInputIsOneLineExitCodeTwoAndNoOutput(string model, string[] extra, string fragment)
    {
        string outDir = folder.File("units");
        string line = CliRun.Refused(CliRun.Run(["units", "--model", Model(model), "--data", RepoFiles.DataRoot + "/sample",
            "--range", "0:200", "--device", TestDevice.Spec, "--out", outDir, .. extra]));
        Assert.Contains(fragment, line);
        Assert.False(Directory.Exists(outDir));
    }
}
