using CommandLine;

namespace IlgpuBlindSpots.Cli.Commands;

[Verb("units", HelpText = "Are a layer's units special? Top images of natural (unit) and random directions in activation space, their label purity and similarity (the paper's Figures 1-4; the paper uses the held-out test split, the default).")]
internal sealed class UnitsArguments : ExamplesArguments
{
    [Option("layer", Default = "hidden", HelpText = "Whose outputs φ(x) to analyse: hidden (the last ReLU/sigmoid/tanh before the output layer), a 1-based position (the # of blindspots stability), or a layer spec such as sigmoid@1 (its first occurrence). Convolution and pooling outputs are taken flattened. The output layer (logits) is refused.")]
    public string Layer { get; set; } = "hidden";

    [Option("directions", Default = 100, HelpText = "Random directions, and units (all of them if the layer has fewer; otherwise a seeded random subset).")] public int Directions { get; set; } = 100;
    [Option("top", Default = 8, HelpText = "Images k kept per direction.")] public int Top { get; set; } = 8;
    [Option("seed", Default = 1, HelpText = "Seed of the random directions, the subset of units, the random image groups and the permutation test.")] public int Seed { get; set; } = 1;
    [Option("grid", Default = 10, HelpText = "Directions shown side by side in natural.png and random.png.")] public int Grid { get; set; } = 10;
    [Option("batch", Default = 1000, HelpText = "Images per forward pass.")] public int Batch { get; set; } = 1000;
    [Option("device", Default = "auto", HelpText = DeviceOptionHelp.OneDevice)] public string Device { get; set; } = "auto";
    [Option("out", Required = true, HelpText = "Folder for units.json, units.md, natural.png and random.png.")] public string Out { get; set; } = "";
}
