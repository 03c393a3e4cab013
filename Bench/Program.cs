using IlgpuBlindSpots.Network;

namespace IlgpuBlindSpots.Bench;

/// <summary>
/// Benchmarks (not tests): <c>dotnet run -c Release --project Bench -- kernels|attack|attacks|attacks-table|fixed-c|onnx|graphs|relu-outputs|memory [--device D] [--json PATH] (kernels: [--only TEXT])</c>.
/// <c>kernels</c> and <c>attack</c> take a comma list of devices and, without <c>--device</c>, run on
/// every usable device of the machine, side by side.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        string verb = args.Length > 0 ? args[0] : "";
        string device = Option(args, "--device") ?? "cpu";
        var devices = Option(args, "--device")?.Split(',') ?? ComputeDevice.List().Where(d => d.Unusable is null).Select(d => d.Id).ToArray();
        string devicesName = string.Join("+", devices).Replace(':', '-');
        switch (verb)
        {
            case "kernels":
                return KernelBench.Run(devices, Option(args, "--json") ?? $"Bench/results/kernels-{devicesName}.json", Option(args, "--only"));
            case "attack":
            {
                var runs = AttackBench.ParseRuns(Option(args, "--runs") ?? "1:32,64:256,1024:1024");
                var searches = (Option(args, "--search") ?? "device").Split(',');
                if (searches.Any(x => x is not ("device" or "host" or "groups")))
                {
                    Console.Error.WriteLine("--search: expected device, host, groups or a comma list (the weight search on the device per problem, the host's lock-step search, or the device search with a thread group per problem forced)");
                    return 2;
                }
                if (runs is null)
                {
                    Console.Error.WriteLine("--runs: expected BATCH:EXAMPLES[,BATCH:EXAMPLES...] with positive integers, e.g. 1024:1024");
                    return 2;
                }
                return AttackBench.Run(devices, Option(args, "--model") ?? "models/fc100-100-10.safetensors", Option(args, "--data-root") ?? "data",
                    Option(args, "--json") ?? $"Bench/results/attack-{devicesName}.json", runs, searches);
            }
            case "attacks":
                return AttacksBench.Run(device, Option(args, "--model") ?? "models/fc100-100-10.safetensors", Option(args, "--data-root") ?? "data",
                    Option(args, "--target") ?? "next", int.Parse(Option(args, "--count") ?? "1000", System.Globalization.CultureInfo.InvariantCulture),
                    (Option(args, "--methods") ?? "lbfgs,lbfgs-refined,lbfgs-margin,ddn,ddn:1000,fmn,fmn-published,best,cw").Split(','),
                    Option(args, "--out") ?? "Bench/results/attacks");
            case "attacks-table":
                return AttacksBench.Table(Option(args, "--out") ?? "Bench/results/attacks");
            case "graphs":
                return FullSizeGraphBench.Run(device, Option(args, "--folder") ?? "Bench/fullsize",
                    Option(args, "--json") ?? $"Bench/results/graphs-{device.Replace(':', '-')}.json", Option(args, "--gradients"));
            case "relu-outputs":
                return ReluOutputDump.Run(device, Option(args, "--model"), int.Parse(Option(args, "--example") ?? "0", System.Globalization.CultureInfo.InvariantCulture),
                    Option(args, "--out") ?? "Bench/results/relu-outputs");
            case "onnx":
                return OnnxBench.Run(device, Option(args, "--data-root") ?? "data", Option(args, "--json") ?? $"Bench/results/onnx-{device.Replace(':', '-')}.json");
            case "memory":
                return ActivationMemoryBench.Run(device, Option(args, "--model") ?? "Tests/Fixtures/graphs/resnet18_op13.onnx",
                    int.Parse(Option(args, "--batch") ?? "8", System.Globalization.CultureInfo.InvariantCulture));
            case "fixed-c":
                return FixedWeightBench.Run(device, Option(args, "--model") ?? "models/fc100-100-10.safetensors", Option(args, "--data-root") ?? "data",
                    int.Parse(Option(args, "--count") ?? "20", System.Globalization.CultureInfo.InvariantCulture),
                    args.Contains("--c-from-attack") ? null : double.Parse(Option(args, "--c") ?? "1", System.Globalization.CultureInfo.InvariantCulture),
                    Option(args, "--solver") ?? "default", Option(args, "--json") ?? $"Bench/results/fixed-c-{device.Replace(':', '-')}.json");
            default:
                Console.Error.WriteLine("usage: Bench kernels|attack|attacks|attacks-table|fixed-c|onnx|graphs|memory [--device auto|cpu|cuda[:i]|opencl[:i]] (kernels, attack: a comma list; default every usable device) [--json PATH] [--model M] [--data-root DIR]");
                Console.Error.WriteLine("       attack [--runs BATCH:EXAMPLES,...] (default 1:32,64:256,1024:1024) [--search device|host|host,device]");
                Console.Error.WriteLine("       fixed-c [--count N] [--c VALUE | --c-from-attack] [--solver default|attack]");
                Console.Error.WriteLine("       relu-outputs --model NAME.onnx [--example B] [--out DIR] (every ReLU node's output for example B of NAME.input.bin, for scripts/gate_decisions.py)");
                Console.Error.WriteLine("       graphs [--folder DIR] [--gradients OUT_DIR] (ONNX files with .input.bin, .logits.bin, .grad.bin from scripts/export_torchvision.py; OUT_DIR receives the project's input gradients, NAME.project.grad.bin, for scripts/gradient_ties.py)");
                Console.Error.WriteLine("       memory [--model GRAPH.onnx] [--batch N]: a graph model's layer memory, values freed once read against kept per layer");
                Console.Error.WriteLine("       attacks [--model M] [--target next|untargeted] [--count N] [--methods a,b,...] [--out DIR]; attacks-table [--out DIR]");
                return 2;
        }
    }

    private static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
