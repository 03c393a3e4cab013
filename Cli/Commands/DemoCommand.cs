namespace IlgpuBlindSpots.Cli.Commands;

internal static class DemoCommand
{
    public static int Run(DemoOptions o, CliConsole console) => console.Fail("demo: not available yet");
}
