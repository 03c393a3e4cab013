using CommandLine;

namespace IlgpuBlindSpots.Cli.Commands;

/// <summary>
/// The options of the commands that run a model on examples (eval, attack, units): the model and
/// where the examples come from, read by <see cref="ExampleSource"/>. One definition, so that the
/// commands accept the same data and say so in the same words.
/// </summary>
internal abstract class ExamplesArguments
{
    [Option("model", Required = true, HelpText = "The model (.safetensors, or .onnx: see blindspots export).")] public string Model { get; set; } = "";
    [Option("data", Default = "mnist", HelpText = "mnist, fashion-mnist, sample, a folder with IDX files, a .npy array (N×C×H×W or N×H×W; labels with --labels), a folder with one sub-folder of images per class, a folder of PNG/JPEG images, or one image (unlabelled inputs: attack labels them by the model's own prediction; eval and units need labels).")]
    public string Data { get; set; } = "mnist";
    [Option("split", Default = "test", HelpText = "train or test (IDX data).")] public string Split { get; set; } = "test";
    [Option("range", HelpText = "START:COUNT of the split (default: all).")] public string? Range { get; set; }
    [Option("labels", HelpText = "With a .npy --data: the labels, a .npy of int64, int32 or uint8 [N].")] public string? Labels { get; set; }
    [Option("classes", HelpText = "With a folder of class sub-folders: the class names in label order, comma-separated or a file with one per line (default: the sub-folders sorted by name).")]
    public string? Classes { get; set; }
}
