namespace IlgpuBlindSpots.Tests.Network;

/// <summary>
/// auto's rule on machines this one is not: CUDA first, an OpenCL GPU next, then between an OpenCL
/// CPU device and the CPU accelerator by the batch (a window of batches), as Bench measured; the
/// reason names the batch, the window and the figures.
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
    [InlineData(false, -1, true, AutoChoice.DefaultBatch, "opencl:0")]
    [InlineData(false, -1, true, AutoChoice.OpenClCpuBelowBatch - 1, "opencl:0")]
    [InlineData(false, -1, true, AutoChoice.OpenClCpuBelowBatch, "cpu:0")]
    [InlineData(false, -1, true, 4096, "cpu:0")]
    public void PicksByBackendThenByTheBatch(bool cuda, int openClGpu, bool openClCpu, int batch, string expected)
    {
        var (id, reason) = AutoChoice.Choose(cuda, openClGpu, openClCpu, batch);
        Assert.Equal(expected, id);
        Assert.DoesNotContain('\n', reason);
        if (!cuda && openClGpu < 0 && openClCpu)
        {
            Assert.Contains($"batch of {batch}", reason);
            Assert.Contains($"{AutoChoice.OpenClCpuFromBatch}", reason);
            Assert.Contains(AutoChoice.Figures, reason);
        }
    }

    [Fact]
    public void EachDevicesDefaultBatchIsOneAtWhichAutoPicksThatDevice()
    {
        // The batch the attack takes on a CPU device when none is named lies where auto, given both, picks that device.
        Assert.Equal("cpu:0", AutoChoice.Choose(false, -1, true, AutoChoice.CpuAcceleratorBatch).Id);
        Assert.Equal("opencl:0", AutoChoice.Choose(false, -1, true, AutoChoice.OpenClCpuBatch).Id);
        // With no batch named, auto chooses at the OpenCL CPU device's batch, so the device it opens takes the batch it was chosen for.
        Assert.Equal(AutoChoice.OpenClCpuBatch, AutoChoice.DefaultBatch);
        Assert.Null(new IlgpuBlindSpots.Cli.Commands.AttackArguments().Batch);
    }

    [Fact]
    public void TheTestDevicesFavouredBatchFollowsItsKind()
    {
        var device = TestDevice.Current;
        int? expected = device.Kind == DeviceKind.Cpu ? AutoChoice.CpuAcceleratorBatch
            : device.IsGpu ? null : AutoChoice.OpenClCpuBatch;
        Assert.Equal(expected, device.FavouredBatch);
    }
}
