using System.Runtime.CompilerServices;

[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]

namespace IlgpuBlindSpots.Tests;

/// <summary>
/// The device every test runs on, opened once for the test run: the one the environment variable
/// <c>BLINDSPOTS_TEST_DEVICE</c> names (a device string such as <c>opencl:0</c>), else the CPU
/// accelerator. Tests that run the command line pass <see cref="Spec"/> as <c>--device</c>. Tests run
/// one at a time: the device already uses every core, and one stream is shared.
/// </summary>
internal static class TestDevice
{
    public const string Variable = "BLINDSPOTS_TEST_DEVICE";

    /// <summary>The device string tests open: the variable's value, or <c>cpu</c>.</summary>
    public static string Spec { get; } =
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } spec ? spec.Trim() : "cpu";

    private static readonly Lazy<ComputeDevice> current = new(() => ComputeDevice.Open(Spec));

    /// <summary>The shared device of this test run.</summary>
    public static ComputeDevice Current => current.Value;

    /// <summary>The name <see cref="Current"/> had when every test ran on the CPU accelerator; kept so that tests written before the rename still compile. It is the test run's device, whichever it is.</summary>
    public static ComputeDevice Cpu => Current;

    /// <summary>
    /// Whether the tests run on ILGPU's CPU accelerator, which executes kernels as .NET code: float
    /// sums in the kernels' order, no fused multiply-adds, .NET's exp and log. Other backends may
    /// differ from it in the last bits; tolerances that depend on it say why.
    /// </summary>
    public static bool IsCpuAccelerator => Current.Kind == DeviceKind.Cpu;

    /// <summary>
    /// Opens the device when the test assembly loads, so that a device that does not exist stops
    /// the run at its start with one line instead of failing every test.
    /// </summary>
    [ModuleInitializer]
    internal static void OpenAtStart()
    {
        try
        {
            _ = current.Value;
        }
        catch (BlindSpotsException e)
        {
            Console.Error.WriteLine($"{Variable}={Spec}: {e.Message}");
            Environment.Exit(2);
        }
    }
}
