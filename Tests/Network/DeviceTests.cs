namespace IlgpuBlindSpots.Tests.Network;

public class DeviceTests
{
    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:x")]
    [InlineData("cpu:-1")]
    [InlineData("cuda:0:1")]
    [InlineData("")]
    public void MalformedDeviceStringIsRejectedWithOneClearLine(string spec)
    {
        var e = Assert.Throws<BlindSpotsException>(() => ComputeDevice.Open(spec));
        Assert.Contains($"device '{spec}'", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Fact]
    public void AMissingCpuIndexNamesTheValidRange()
    {
        var e = Assert.Throws<BlindSpotsException>(() => ComputeDevice.Open("cpu:5"));
        Assert.Contains("only 1 usable cpu device", e.Message);
    }

    [Fact]
    public void CudaOnAMachineWithoutItSaysSo()
    {
        // CI machines have no NVIDIA GPU; on one that has, cuda:99 is still past the end.
        var e = Assert.Throws<BlindSpotsException>(() => ComputeDevice.Open("cuda:99"));
        Assert.Contains("cuda", e.Message);
    }

    [Fact]
    public void OpenClDeviceThatIlgpuCannotUseIsNamedWithTheReason()
    {
        // Where an OpenCL platform exists but its devices lack what ILGPU needs (PoCL on CPUs),
        // the listing and the error say why; where none exists, opencl:0 says there is none.
        var unusable = ComputeDevice.List().Where(d => d.Unusable is not null).ToList();
        var e = Assert.Throws<BlindSpotsException>(() => ComputeDevice.Open("opencl:" + ComputeDevice.List().Count(d => d.Id.StartsWith("opencl:"))));
        if (unusable.Count > 0)
            Assert.Contains("cannot run ILGPU kernels", e.Message);
        else
            Assert.Contains("opencl", e.Message);
    }

    [Fact]
    public void AutoFallsBackToAUsableDeviceAndCpuIsListed()
    {
        using var d = ComputeDevice.Open("auto");
        Assert.Equal(ComputeDevice.Auto().Id, d.Id);
        using var t = Tensor.FromArray(d, new[] { 1f, -2f, 3f }, 3);
        Assert.Equal(new[] { 1f, -2f, 3f }, t.ToArray());
        Assert.Contains(ComputeDevice.List(), l => l.Id == "cpu:0" && l.Unusable is null);
    }

    [Fact]
    public void AutoOpensTheListedDeviceItNamesAndSaysWhy()
    {
        var (id, reason) = ComputeDevice.Auto();
        var usable = ComputeDevice.List().Where(l => l.Unusable is null).Select(l => l.Id).ToList();
        Assert.Contains(id, usable);
        Assert.False(string.IsNullOrWhiteSpace(reason));
        // The order Bench measured: CUDA, then OpenCL; an OpenCL CPU device only for large batches.
        if (usable.Any(u => u.StartsWith("cuda:")))
            Assert.StartsWith("cuda:", id);
        else if (usable.Any(u => u.StartsWith("opencl:")))
        {
            Assert.StartsWith("opencl:", ComputeDevice.Auto(4096).Id);
            Assert.Contains(ComputeDevice.Auto(1).Id, new[] { "cpu:0", ComputeDevice.Auto(4096).Id });
        }
        else
            Assert.Equal("cpu:0", id);
        using var d = ComputeDevice.Open("auto");
        Assert.Equal(id, d.Id);
    }

    [Fact]
    public void TheDevicesCommandSaysWhatAutoPicks()
    {
        var stdout = new StringWriter();
        Assert.Equal(0, IlgpuBlindSpots.Cli.Program.Run(["devices"], stdout, new StringWriter()));
        Assert.Contains($"auto picks {ComputeDevice.Auto().Id}: ", stdout.ToString());
        // Where the choice depends on the batch, the large batch's choice is printed too.
        Assert.Contains($"auto picks {ComputeDevice.Auto(1024).Id}: {ComputeDevice.Auto(1024).Reason}", stdout.ToString());
    }

    [Fact]
    public void AReopenedDeviceReusesItsAcceleratorAndKernelsButTwoOpenAtOnceDoNot()
    {
        ILGPU.Runtime.Accelerator first;
        int loaded;
        using (var a = ComputeDevice.Open(TestDevice.Spec))
        {
            first = a.Accelerator;
            using var m = IlgpuBlindSpots.Network.Models.SequentialModel.Create(a, "fc:3", [1, 2, 2]);
            using var x = Tensor.Zeros(a, 2, 1, 2, 2);
            m.Logits(x);
            loaded = a.KernelCache.Count;
            Assert.True(loaded > 0);
            // Open while the first is in use: a second accelerator, as two threads must not share one stream.
            using var b = ComputeDevice.Open(TestDevice.Spec);
            Assert.NotSame(a.Accelerator, b.Accelerator);
            Assert.NotSame(TestDevice.Current.Accelerator, a.Accelerator);
        }
        using var again = ComputeDevice.Open(TestDevice.Spec);
        Assert.Same(first, again.Accelerator);
        Assert.Equal(loaded, again.KernelCache.Count);
    }

    [Fact]
    public void DisposingADeviceTwiceGivesItsAcceleratorBackOnce()
    {
        var d = ComputeDevice.Open(TestDevice.Spec);
        var accelerator = d.Accelerator;
        d.Dispose();
        d.Dispose();
        using var a = ComputeDevice.Open(TestDevice.Spec);
        using var b = ComputeDevice.Open(TestDevice.Spec);
        Assert.True(ReferenceEquals(a.Accelerator, accelerator) != ReferenceEquals(b.Accelerator, accelerator),
            "the accelerator given back twice was lent to both devices open at once");
    }

    [Fact]
    public void LaunchSplitCoversEveryItemExactlyOnce()
    {
        foreach (int count in new[] { 1, 2, 3, 17, 1000, 100_003 })
        foreach (var split in new[] { IlgpuBlindSpots.Kernels.WorkSplit.Chunked(count, 16), IlgpuBlindSpots.Kernels.WorkSplit.Strided(count, 64) })
        {
            var seen = new int[count];
            for (int t = 0; t < split.Threads; t++)
                for (int j = 0; j < split.ItemsPerThread; j++)
                {
                    int i = split.Item(t, j);
                    if (i >= split.Count) break;
                    seen[i]++;
                }
            Assert.All(seen, c => Assert.Equal(1, c));
        }
    }
}

public class KernelCacheTests
{
    [Fact]
    public void EachKernelIsLoadedOncePerDevice()
    {
        var dev = TestDevice.Current;
        using (var m = IlgpuBlindSpots.Network.Models.SequentialModel.Create(dev, "conv:2x3x3,relu,maxpool:2,fc:3", [1, 6, 6]))
        using (var x = Tensor.Zeros(dev, 2, 1, 6, 6))
            m.Logits(x);
        int loaded = dev.KernelCache.Count;
        using (var m = IlgpuBlindSpots.Network.Models.SequentialModel.Create(dev, "conv:2x3x3,relu,maxpool:2,fc:3", [1, 6, 6]))
        using (var x = Tensor.Zeros(dev, 5, 1, 6, 6))
        {
            m.Logits(x);
            m.Logits(x);
        }
        Assert.Equal(loaded, dev.KernelCache.Count);
    }
}
