namespace IlgpuBlindSpots.Tests.Network;

/// <summary>
/// auto's rule on machines this one is not: CUDA first, an OpenCL GPU next, then between an OpenCL
/// CPU device and the CPU accelerator by the batch, as Bench measured; the reason names the batch,
/// the threshold and the figures.
/// </summary>
public class AutoChoiceTests
{
    [Theory]
    [InlineData(true, 1, true, 1, "cuda:0")]
    [InlineData(true, -1, false, 4096, "cuda:0")]
    [InlineData(false, 1, true, 1, "opencl:1")]
    [InlineData(false, -1, false, 4096, "cpu:0")]
    [InlineData(false, -1, true, 1, "cpu:0")]
    [InlineData(false, -1, true, AutoChoice.OpenClCpuFromBatch - 1, "cpu:0")]
    [InlineData(false, -1, true, AutoChoice.OpenClCpuFromBatch, "opencl:0")]
    [InlineData(false, -1, true, 4096, "opencl:0")]
    public void PicksByBackendThenByTheBatch(bool cuda, int openClGpu, bool openClCpu, int batch, string expected)
    {
        var (id, reason) = AutoChoice.Choose(cuda, openClGpu, openClCpu, batch);
        Assert.Equal(expected, id);
        Assert.DoesNotContain('\n', reason);
        if (!cuda && openClGpu < 0 && openClCpu)
        {
            Assert.Contains($"batch of {batch}", reason);
            Assert.Contains(AutoChoice.OpenClCpuFromBatch.ToString(), reason);
            Assert.Contains(AutoChoice.Figures, reason);
        }
    }

    [Fact]
    public void TheDefaultBatchIsTheAttacksDefault()
    {
        Assert.Equal(AutoChoice.DefaultBatch, new IlgpuBlindSpots.Cli.Commands.AttackArguments().Batch);
    }
}
