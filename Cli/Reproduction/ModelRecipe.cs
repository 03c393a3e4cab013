namespace IlgpuBlindSpots.Cli.Reproduction;

/// <summary>
/// One model of the reproduction: the preset it is trained from, on which training examples, for
/// how many epochs and with which seed (null: the preset's), and the paper's name for its role.
/// </summary>
/// <param name="Name">File name without extension, e.g. "fc100-100-10-p1".</param>
/// <param name="PaperName">The paper's name for the model (a key of <see cref="PaperNumbers"/>).</param>
/// <param name="Range">START:COUNT of the training split; null for all of it.</param>
/// <param name="Optimizer">sgd or adam instead of the preset's; with <paramref name="LearningRate"/>.</param>
internal sealed record ModelRecipe(string Name, string PaperName, string Preset, string? Range = null, int? Epochs = null, int? Seed = null,
    string? Optimizer = null, double? LearningRate = null);
