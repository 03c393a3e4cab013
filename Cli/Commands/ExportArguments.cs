using CommandLine;

namespace IlgpuBlindSpots.Cli.Commands;

[Verb("export", HelpText = "Write a model file (.safetensors or .onnx) as ONNX (opset 13, symbolic batch), for ONNX Runtime and other tools.")]
internal sealed class ExportArguments
{
    [Option("model", Required = true, HelpText = "The model to export (.safetensors or .onnx).")] public string Model { get; set; } = "";
    [Option("onnx", Required = true, HelpText = "Where to write the ONNX file.")] public string Onnx { get; set; } = "";
}
