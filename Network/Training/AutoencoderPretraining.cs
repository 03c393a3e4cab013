using IlgpuBlindSpots.Network.Data;
using IlgpuBlindSpots.Network.Layers;
using IlgpuBlindSpots.Network.Models;

namespace IlgpuBlindSpots.Network.Training;

/// <summary>
/// The paper's AE400-10 path (Szegedy et al. 2013, Table 1): a sigmoid autoencoder
/// input → H → input trained on reconstruction, then a softmax classifier trained on its H
/// features; the two become the first and last layers of a <c>fc:H,sigmoid,fc:C</c> classifier,
/// which the ordinary <see cref="Trainer"/> may then fine-tune end to end.
/// </summary>
/// <param name="Autoencoder">Options of the reconstruction training (its objective is set here).</param>
/// <param name="Head">Options of the softmax classifier trained on the frozen features.</param>
public sealed record AutoencoderPretraining(TrainingOptions Autoencoder, TrainingOptions Head)
{
    /// <summary>
    /// Pretrains and writes the encoder and the classifier head into <paramref name="classifier"/>,
    /// which must be <c>fc:H,sigmoid,fc:C</c>. <paramref name="progress"/> gets the stage name with each report.
    /// </summary>
    public void Initialize(SequentialModel classifier, Dataset train, Action<string, TrainingProgress>? progress = null,
        CancellationToken cancel = default)
    {
        if (classifier.Layers is not [DenseLayer encoder, ActivationLayer { Kind: ActivationKind.Sigmoid }, DenseLayer head])
            throw new BlindSpotsException($"autoencoder pretraining needs a model fc:H,sigmoid,fc:C, not {classifier.Architecture}");
        var device = classifier.Device;
        int hidden = encoder.OutFeatures, n = classifier.InputLength;

        using var autoencoder = SequentialModel.Create(device, $"fc:{hidden},sigmoid,fc:{n}", classifier.InputShape);
        autoencoder.Initialize(Autoencoder.Seed);
        using (var trainer = new Trainer(autoencoder, train, Autoencoder with { Objective = TrainingObjective.Reconstruction }))
            trainer.Train(p => progress?.Invoke("autoencoder", p), cancel: cancel);
        var trainedEncoder = (DenseLayer)autoencoder.Layers[0];
        encoder.Weight.Value.CopyFrom(trainedEncoder.Weight.Value);
        encoder.Bias.Value.CopyFrom(trainedEncoder.Bias.Value);

        var features = Features(autoencoder, train, hidden);
        using var softmax = SequentialModel.Create(device, $"fc:{head.OutFeatures}", [hidden, 1, 1]);
        softmax.Initialize(Head.Seed);
        using (var trainer = new Trainer(softmax, features, Head))
            trainer.Train(p => progress?.Invoke("softmax on features", p), cancel: cancel);
        var trainedHead = (DenseLayer)softmax.Layers[0];
        head.Weight.Value.CopyFrom(trainedHead.Weight.Value);
        head.Bias.Value.CopyFrom(trainedHead.Bias.Value);
    }

    /// <summary>The autoencoder's hidden activations σ(W₁x + b₁) of every example, as a data set of H×1×1 "images".</summary>
    private static Dataset Features(SequentialModel autoencoder, Dataset train, int hidden)
    {
        const int batch = 1000;
        var features = new float[(long)train.Count * hidden];
        var device = autoencoder.Device;
        for (int start = 0; start < train.Count; start += batch)
        {
            int b = Math.Min(batch, train.Count - start);
            using var x = Tensor.FromArray(device, train.Images.AsSpan(start * train.ImageSize, b * train.ImageSize).ToArray(),
                [b, .. autoencoder.InputShape]);
            var h = autoencoder.Layers[1].Forward(autoencoder.Layers[0].Forward(x, training: false), training: false);
            h.ToArray().CopyTo(features, (long)start * hidden);
        }
        return new Dataset(features, train.Labels, hidden, 1, 1, train.Classes, train.Source + " (autoencoder features)");
    }
}
