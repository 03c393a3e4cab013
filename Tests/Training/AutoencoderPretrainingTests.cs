using IlgpuBlindSpots.Network.Layers;
using IlgpuBlindSpots.Network.Training;

namespace IlgpuBlindSpots.Tests.Training;

public class AutoencoderPretrainingTests
{
    private static readonly Lazy<Dataset> Digits = new(() =>
        Dataset.LoadDirectory(Path.Combine(RepoFiles.DataRoot, "sample"), DatasetSplit.Test).Slice(0, 300));

    private static readonly Lazy<Dataset> AllDigits = new(() =>
        Dataset.LoadDirectory(Path.Combine(RepoFiles.DataRoot, "sample"), DatasetSplit.Test).Slice(0, 500));

    [Fact]
    public void ReconstructionTrainingLowersTheReconstructionLoss()
    {
        using var ae = SequentialModel.Create(TestDevice.Current, "fc:32,sigmoid,fc:784", [1, 28, 28]);
        ae.Initialize(1);
        using var trainer = new Trainer(ae, Digits.Value, new TrainingOptions(Epochs: 4, BatchSize: 50, LearningRate: 3e-3,
            Objective: TrainingObjective.Reconstruction));
        var summary = trainer.Train();
        Assert.True(summary.Epochs[^1].Loss < 0.8 * summary.Epochs[0].Loss,
            $"reconstruction loss {summary.Epochs[0].Loss} → {summary.Epochs[^1].Loss}");
    }

    [Fact]
    public void AnAutoencoderMustReproduceItsInputSize()
    {
        using var model = SequentialModel.Create(TestDevice.Current, "fc:32,sigmoid,fc:10", [1, 28, 28]);
        var e = Assert.Throws<BlindSpotsException>(() => new Trainer(model, Digits.Value,
            new TrainingOptions(1, 50, 1e-3, Objective: TrainingObjective.Reconstruction)));
        Assert.Contains("as many values as its input", e.Message);
    }

    [Fact]
    public void PretrainedEncoderAndHeadGiveAClassifierFarBetterThanChance()
    {
        using var model = SequentialModel.Create(TestDevice.Current, "fc:32,sigmoid,fc:10", [1, 28, 28]);
        model.Initialize(1);
        var before = ((DenseLayer)model.Layers[0]).Weight.Value.ToArray();
        var options = new TrainingOptions(Epochs: 15, BatchSize: 10, LearningRate: 1e-2);
        new AutoencoderPretraining(options, options).Initialize(model, AllDigits.Value);
        Assert.NotEqual(before, ((DenseLayer)model.Layers[0]).Weight.Value.ToArray());
        var result = Evaluator.Evaluate(model, AllDigits.Value);
        Assert.True(result.ErrorRate < 0.5, $"training error after pretraining {result.ErrorRate:P1}");
    }

    [Fact]
    public void OnlyFcSigmoidFcModelsCanBePretrained()
    {
        using var model = SequentialModel.Create(TestDevice.Current, "fc:32,relu,fc:10", [1, 28, 28]);
        var options = new TrainingOptions(1, 50, 1e-3);
        Assert.Throws<BlindSpotsException>(() => new AutoencoderPretraining(options, options).Initialize(model, Digits.Value));
    }
}
