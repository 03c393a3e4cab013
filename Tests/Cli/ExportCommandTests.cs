using IlgpuBlindSpots.Cli;

namespace IlgpuBlindSpots.Tests.Cli;

/// <summary><c>blindspots export</c>: a safetensors model written as ONNX gives the same logits when read back.</summary>
public class ExportCommandTests
{
    [Theory]
    [InlineData("tiny_mlp")]
    [InlineData("tiny_conv")]
    public void ExportedOnnxGivesTheSafetensorsModelsLogits(string name)
    {
        using var folder = new TempFolder();
        string onnx = folder.File($"{name}.onnx");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Run(["export", "--model", RepoFiles.Fixture($"{name}.safetensors"), "--onnx", onnx], stdout, stderr);
        Assert.True(code == 0, stderr.ToString());
        Assert.Contains("opset 13", stdout.ToString());

        using var original = ModelFile.Load(TestDevice.Current, RepoFiles.Fixture($"{name}.safetensors"));
        using var exported = ModelFile.Load(TestDevice.Current, onnx);
        float[] x = Rand.Uniform(81, 3 * original.InputLength, 0f, 1f);
        using var input = Tensor.FromArray(TestDevice.Current, x, [3, .. original.InputShape]);
        Assert.Equal(original.Logits(input).ToArray(), exported.Logits(input).ToArray());
    }

    [Fact]
    public void OutputThatIsNotOnnxIsRefusedWithoutWritingIt()
    {
        using var folder = new TempFolder();
        string bad = folder.File("model.bin");
        Assert.Contains("--onnx", CliRun.Refused(CliRun.Run(["export", "--model", RepoFiles.Fixture("tiny_mlp.safetensors"), "--onnx", bad])));
        Assert.False(File.Exists(bad));
    }
}
