using IlgpuBlindSpots.Network;

[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]

namespace IlgpuBlindSpots.Tests;

/// <summary>
/// The CPU accelerator every test runs on, opened once for the test run. Tests run one at a time:
/// the CPU accelerator already uses every core, and one stream is shared.
/// </summary>
internal static class TestDevice
{
    private static readonly Lazy<Device> cpu = new(() => Device.Open("cpu"));

    public static Device Cpu => cpu.Value;
}
