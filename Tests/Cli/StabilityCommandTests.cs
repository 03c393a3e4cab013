using IlgpuBlindSpots.Cli;
using IlgpuBlindSpots.Optimizer.Analysis;

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
        int code = Program.Run(["stability", "--model", model, "--device", TestDevice.Spec, "--out", md], stdout, stderr);
        Assert.True(code == 0, stderr.ToString());
        using var loaded = ModelFile.Load(TestDevice.Current, model);
        var table = LipschitzBounds.Compute(loaded.AsChain("test"));
        Assert.Contains(table.ToMarkdown().Trim(), stdout.ToString());
        Assert.Equal(stdout.ToString().Trim(), File.ReadAllText(md).Trim());
        Assert.Contains("| sigmoid |", stdout.ToString());
    }

    [Fact]
    public void AnArchitectureGetsSeededRandomWeights()
    {
        const string spec = "conv:4x3x3s2p1,relu,maxpool:3s2,fc:5";
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Run(["stability", "--arch", spec, "--input", "2x9x9", "--seed", "4", "--device", TestDevice.Spec], stdout, stderr);
        Assert.True(code == 0, stderr.ToString());
        using var model = IlgpuBlindSpots.Network.Models.SequentialModel.Create(TestDevice.Current, spec, [2, 9, 9]);
        model.Initialize(4);
        Assert.Contains(LipschitzBounds.Compute(model).ToMarkdown().Trim(), stdout.ToString());
        Assert.Contains("random weights (seed 4)", stdout.ToString());
    }

    [Theory]
    [InlineData(new string[0], "either --model")]
    [InlineData(new[] { "--arch", "fc:3", "--model", "m.safetensors" }, "either --model")]
    [InlineData(new[] { "--arch", "fc:3", "--input", "3x224" }, "--input '3x224'")]
    [InlineData(new[] { "--arch", "fc:3", "--input", "3x0x5" }, "--input '3x0x5'")]
    public void ModelOrArchitectureButNotBothNorNeither(string[] args, string fragment)
    {
        Assert.Contains(fragment, CliRun.Refused(CliRun.Run(["stability", "--device", TestDevice.Spec, .. args])));
    }

    [Fact]
    public void AMissingModelIsOneLineAndExitCode2()
    {
        Assert.Equal("blindspots: --model nope.safetensors: no such file", CliRun.Refused(CliRun.Run(["stability", "--model", "nope.safetensors"])));
    }
}
