namespace IlgpuBlindSpots.Bench;

/// <summary>
/// Benchmarks (not tests): <c>dotnet run -c Release --project Bench -- kernels|attack|onnx [--device D] [--json PATH]</c>.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        string verb = args.Length > 0 ? args[0] : "";
        string device = Option(args, "--device") ?? "cpu";
        switch (verb)
        {
            case "kernels":
                return KernelBench.Run(device, Option(args, "--json") ?? $"Bench/results/kernels-{device.Replace(':', '-')}.json");
            case "attack":
                return AttackBench.Run(device, Option(args, "--model") ?? "models/fc100-100-10.safetensors", Option(args, "--data-root") ?? "data",
                    Option(args, "--json") ?? $"Bench/results/attack-{device.Replace(':', '-')}.json");
            case "onnx":
                return OnnxBench.Run(device, Option(args, "--data-root") ?? "data", Option(args, "--json") ?? $"Bench/results/onnx-{device.Replace(':', '-')}.json");
            default:
                Console.Error.WriteLine("usage: Bench kernels|attack|onnx [--device auto|cpu|cuda[:i]|opencl[:i]] [--json PATH] [--model M] [--data-root DIR]");
                return 2;
        }
    }

    private static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
