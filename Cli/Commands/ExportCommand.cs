namespace IlgpuBlindSpots.Cli.Commands;

/// <summary><c>blindspots export --model M --onnx OUT.onnx</c>: the model as an ONNX graph.</summary>
internal static class ExportCommand
{
    public static int Run(ExportArguments o, CliConsole console)
    {
        if (!File.Exists(o.Model)) throw new BlindSpotsException($"--model {o.Model}: no such file");
        if (!OnnxModelFile.IsOnnx(o.Onnx)) throw new BlindSpotsException($"--onnx {o.Onnx}: the file name must end in {OnnxModelFile.Extension}");
        OutputPath.CheckFile("--onnx", o.Onnx);
        // Exporting only copies weights: the CPU accelerator is always there and is enough.
        using var device = ComputeDevice.Open("cpu");
        using var model = ModelArgument.Load(device, o.Model, console.Error);
        OnnxModelFile.Save(o.Onnx, model);
        console.Out.WriteLine($"{o.Model} ({model.Description}, input {string.Join("x", model.InputShape)}) → {o.Onnx} (ONNX opset {OnnxModelFile.WrittenOpset})");
        return 0;
    }
}
