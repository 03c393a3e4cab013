using IlgpuBlindSpots.Cli;
using IlgpuBlindSpots.Network.ModelFiles;
using IlgpuBlindSpots.Optimizer.Analysis;
using IlgpuBlindSpots.Tests.Fixtures;
using Xunit;

namespace IlgpuBlindSpots.Tests.Cli;

public class StabilityCommandTests
{
    [Fact]
    public void PrintsTheTableWhoseProductTheLibraryComputes()
    {
        using var folder = new TempFolder();
        string model = RepoFiles.Fixture("tiny_mlp.safetensors"), md = folder.File("t5.md");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Run(["stability", "--model", model, "--device", "cpu", "--out", md], stdout, stderr);
        Assert.True(code == 0, stderr.ToString());
        using var loaded = ModelFile.Load(TestDevice.Cpu, model);
        var table = LipschitzBounds.Compute(loaded);
        Assert.Contains(table.ToMarkdown().Trim(), stdout.ToString());
        Assert.Equal(stdout.ToString().Trim(), File.ReadAllText(md).Trim());
        Assert.Contains("| sigmoid |", stdout.ToString());
    }

    [Fact]
    public void AMissingModelIsOneLineAndExitCode2()
    {
        var stderr = new StringWriter();
        int code = Program.Run(["stability", "--model", "nope.safetensors"], new StringWriter(), stderr);
        Assert.Equal(2, code);
        Assert.Equal("blindspots: --model nope.safetensors: no such file", stderr.ToString().Trim());
    }
}
