using ILGPU.Runtime;
using IlgpuBlindSpots.Network;
using IlgpuBlindSpots.Network.ModelFiles;
using IlgpuBlindSpots.Network.Models;

namespace IlgpuBlindSpots.Bench;

/// <summary>
/// `memory`: the device memory a graph model's layer buffers take, for each backward pass a forward
/// pass announces (none, input gradient, parameter gradients), with values freed once read against
/// every layer keeping its own buffers: the peak in use and the pool's footprint, in bytes.
/// The numbers are the same on every device (sizes, not timings).
/// </summary>
internal static class ActivationMemoryBench
{
    public static int Run(string deviceSpec, string modelPath, int batch)
    {
        using var device = ComputeDevice.Open(deviceSpec);
        Console.WriteLine($"memory: {modelPath}, batch {batch}, on {device.Description}");
        Console.WriteLine($"{"pass",-22}{"peak freed (MiB)",18}{"pool freed (MiB)",18}{"kept per layer (MiB)",22}{"peak ratio",12}");
        foreach (var use in Enum.GetValues<BackwardUse>())
        {
            var (peak, pool) = Measure(device, modelPath, batch, use, frees: true);
            var (kept, _) = Measure(device, modelPath, batch, use, frees: false);
            Console.WriteLine($"{Name(use),-22}{Mib(peak),18:F2}{Mib(pool),18:F2}{Mib(kept),22:F2}{(double)kept / peak,12:F2}");
        }
        return 0;
    }

    private static (long Peak, long Pool) Measure(ComputeDevice device, string path, int batch, BackwardUse use, bool frees)
    {
        using var model = OnnxModelFile.Load(device, path) as GraphModel
            ?? throw new BlindSpotsException($"{path}: not a graph model");
        model.FreesActivations = frees;
        var rng = new Random(1);
        var pixels = new float[batch * model.InputLength];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (float)rng.NextDouble();
        using var x = Tensor.FromArray(device, pixels, [batch, .. model.InputShape]);
        using var labels = device.Accelerator.Allocate1D(new int[batch]);
        for (int pass = 0; pass < 2; pass++)
        {
            if (use == BackwardUse.None) model.Logits(x, BackwardUse.None);
            else if (use == BackwardUse.Input) model.InputGradient(x, labels.View);
            else model.ParameterGradients(x, labels.View, training: false);
        }
        device.Synchronize();
        return (model.PeakActivationBytes, model.ActivationBytes);
    }

    private static string Name(BackwardUse use) => use switch
    {
        BackwardUse.None => "forward only",
        BackwardUse.Input => "input gradient",
        _ => "parameter gradients",
    };

    private static double Mib(long bytes) => bytes / 1048576.0;
}
