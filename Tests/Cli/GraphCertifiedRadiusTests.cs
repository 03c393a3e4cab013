using System.Text.Json;
using IlgpuBlindSpots.Tests.Graphs;

namespace IlgpuBlindSpots.Tests.Cli;

/// <summary>
/// The certified radius comes from per-layer Lipschitz bounds, which only a chain has: an attack on
/// a graph model says in report.md and summary.json that it is not available, never NaN.
/// </summary>
public sealed class GraphCertifiedRadiusTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void AGraphModelsReportSaysTheRadiusIsNotAvailable()
    {
        string model = folder.File("graph.safetensors");
        using (var m = GraphModelTests.Build()) ModelFile.Save(model, m);
        string images = folder.File("images");
        Directory.CreateDirectory(images);
        var rng = new Random(5);
        for (int i = 0; i < 3; i++)
            PngImages.WriteGrid(Path.Combine(images, $"p{i}.png"), Enumerable.Range(0, 16).Select(_ => rng.Next(256) / 255f).ToArray(), 1, 1, 4, 4, 1);
        string run = folder.File("run");
        var (code, _, stderr) = CliRun.Run("attack", "--model", model, "--data", images, "--target", "next", "--device", TestDevice.Spec, "--out", run);
        Assert.True(code == 0, stderr);

        string report = File.ReadAllText(Path.Combine(run, "report.md"));
        Assert.Contains("the certified radius is not available for graph models", report);
        Assert.DoesNotContain("NaN", report.Split('\n').Single(l => l.StartsWith("Certified vs found")));
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json")));
        var s = summary.RootElement.GetProperty("summary");
        Assert.Equal(JsonValueKind.Null, s.GetProperty("MeanCertifiedL2").ValueKind);
        Assert.Equal(JsonValueKind.Null, s.GetProperty("MedianFoundToCertified").ValueKind);
        Assert.StartsWith("not available for graph models", s.GetProperty("CertifiedRadius").GetString());
    }
}
