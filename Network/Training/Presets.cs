namespace IlgpuBlindSpots.Network.Training;

/// <summary>A named architecture with the training options that go with it.</summary>
/// <param name="Name">The name <c>train --preset</c> takes, e.g. <c>fc100-100-10</c>.</param>
/// <param name="Architecture">The architecture spec.</param>
/// <param name="Options">The training options of the final (or only) stage.</param>
/// <param name="Description">One line on what the model is, for listings.</param>
/// <param name="Pretraining">Set for AE400-10: how the encoder and classifier head are trained before <paramref name="Options"/> fine-tunes them.</param>
public sealed record Preset(string Name, string Architecture, TrainingOptions Options, string Description,
    AutoencoderPretraining? Pretraining = null);

/// <summary>
/// The paper's MNIST models (Szegedy et al. 2013, Table 1) and a convolutional one beyond it, each
/// with its λ and defaults that reach the paper's errors on this project's CPU accelerator in minutes.
/// λ follows <see cref="WeightDecayConvention"/>.
/// </summary>
public static class Presets
{
    /// <summary>Every preset, in the order <c>train --help</c> lists them.</summary>
    public static IReadOnlyList<Preset> All { get; } =
    [
        Fc10("fc10-1e-4", 1e-4),
        Fc10("fc10-1e-2", 1e-2),
        Fc10("fc10-1", 1),
        new("fc100-100-10", "fc:100,sigmoid,fc:100,sigmoid,fc:10",
            new TrainingOptions(Epochs: 60, BatchSize: 64, LearningRate: 0.1, Optimizer: OptimizerKind.Sgd, Momentum: 0.9,
                Schedule: LearningRateSchedule.Cosine, WeightDecay: [1.44e-4], Seed: 1),
            "paper's FC100-100-10: two sigmoid hidden layers of 100; λ = 1.44e-4 in this project's convention (PyTorch weight_decay 1e-4)"),
        new("fc200-200-10", "fc:200,sigmoid,fc:200,sigmoid,fc:10",
            new TrainingOptions(Epochs: 30, BatchSize: 64, LearningRate: 0.1, Optimizer: OptimizerKind.Sgd, Momentum: 0.9,
                Schedule: LearningRateSchedule.Cosine, WeightDecay: [1.44e-4], Seed: 1),
            "paper's FC200-200-10: two sigmoid hidden layers of 200; λ = 1.44e-4 in this project's convention (PyTorch weight_decay 1e-4)"),
        new("ae400-10", "fc:400,sigmoid,fc:10",
            new TrainingOptions(Epochs: 30, BatchSize: 64, LearningRate: 0.1, Optimizer: OptimizerKind.Sgd, Momentum: 0.9,
                Schedule: LearningRateSchedule.Cosine, WeightDecay: [1e-6], Seed: 1),
            "paper's AE400-10: a 784-400-784 sigmoid autoencoder, a softmax classifier on its 400 features, then fine-tuned end to end, λ = 1e-6",
            new AutoencoderPretraining(
                new TrainingOptions(Epochs: 3, BatchSize: 100, LearningRate: 1e-3, Optimizer: OptimizerKind.Adam,
                    Schedule: LearningRateSchedule.Cosine, WeightDecay: [1e-6], Seed: 1),
                new TrainingOptions(Epochs: 3, BatchSize: 100, LearningRate: 1e-3, Optimizer: OptimizerKind.Adam,
                    Schedule: LearningRateSchedule.Cosine, WeightDecay: [1e-6], Seed: 2))),
        new("conv-mnist", "conv:8x5x5p2,relu,maxpool:2,conv:16x5x5p2,relu,maxpool:2,fc:64,relu,fc:10",
            new TrainingOptions(Epochs: 10, BatchSize: 64, LearningRate: 2e-3, Optimizer: OptimizerKind.Adam,
                Schedule: LearningRateSchedule.Cosine, WeightDecay: [0], Seed: 1),
            "beyond the paper: a small LeNet-style convolutional net, sized to train in minutes on a CPU"),
    ];

    /// <summary>The preset called <paramref name="name"/>; an unknown name is an error listing the known ones.</summary>
    public static Preset Get(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new BlindSpotsException($"--preset: unknown preset '{name}'; known: {string.Join(", ", All.Select(p => p.Name))}");

    private static Preset Fc10(string name, double lambda) => new(name, "fc:10",
        new TrainingOptions(Epochs: 20, BatchSize: 100, LearningRate: 1e-3, Optimizer: OptimizerKind.Adam,
            Schedule: LearningRateSchedule.Cosine, WeightDecay: [lambda], Seed: 1),
        $"paper's FC10({lambda:g}): softmax regression on the pixels, λ = {lambda:g}");
}
