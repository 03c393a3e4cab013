using IlgpuBlindSpots.Cli.Transfer;
using IlgpuBlindSpots.Network.Training;
using IlgpuBlindSpots.Optimizer.Transfer;

namespace IlgpuBlindSpots.Cli.Reproduction;

/// <summary>
/// The paper's Figure 7 for MNIST: pairs of original | adversarial for a linear classifier and for a
/// 200-200-10 sigmoid network, and the same digits under Gaussian noise of stddev 1 with the accuracy
/// the 200-200-10 network keeps on such noise — visibly far larger changes that still fool it less.
/// </summary>
internal static class PaperFigures
{
    public const string LinearFile = "figure7a.png", SigmoidFile = "figure7b.png", NoiseFile = "figure7c.png";
    private const int Pairs = 10, Scale = 2;

    /// <summary>Writes the three panels from the adversarial sets of the linear and the sigmoid model; returns each file with its caption.</summary>
    public static IReadOnlyList<(string File, string Caption)> WriteFigure7(ComputeDevice device, string outDir, AdversarialSet linear, AdversarialSet sigmoid, string sigmoidModel, int seed)
    {
        if (linear.Count == 0 || sigmoid.Count == 0) return []; // nothing was attacked: no pairs to show
        WritePairs(Path.Combine(outDir, LinearFile), linear.Originals, linear.Adversarials, linear);
        WritePairs(Path.Combine(outDir, SigmoidFile), sigmoid.Originals, sigmoid.Adversarials, sigmoid);
        var noisy = PerturbationSets.GaussianNoise(sigmoid.Originals, sigmoid.Length, 1.0, seed);
        WritePairs(Path.Combine(outDir, NoiseFile), sigmoid.Originals, noisy, sigmoid);
        double accuracy;
        using (var model = ModelFile.Load(device, sigmoidModel))
            accuracy = 1 - Evaluator.Evaluate(model, new Dataset(noisy, sigmoid.Labels, sigmoid.Shape[0], sigmoid.Shape[1], sigmoid.Shape[2], model.Classes, "noise")).ErrorRate;
        var inv = CultureInfo.InvariantCulture;
        return
        [
            (LinearFile, string.Create(inv, $"Figure 7 (a): odd columns the originals, even columns adversarial examples for the linear classifier {linear.Name} (distortion {PerturbationSets.MeanDistortion(linear.Originals, linear.Adversarials, linear.Length):F3}); every one is misclassified.")),
            (SigmoidFile, string.Create(inv, $"Figure 7 (b): the same for the sigmoid network {sigmoid.Name} (distortion {PerturbationSets.MeanDistortion(sigmoid.Originals, sigmoid.Adversarials, sigmoid.Length):F3}).")),
            (NoiseFile, string.Create(inv, $"Figure 7 (c): Gaussian noise of stddev 1, clipped (distortion {PerturbationSets.MeanDistortion(sigmoid.Originals, noisy, sigmoid.Length):F3}): {sigmoid.Name} still classifies {100 * accuracy:F1}% of such digits correctly (the paper: 51%).")),
        ];
    }

    /// <summary>Two rows of five original | changed pairs.</summary>
    private static void WritePairs(string path, float[] originals, float[] changed, AdversarialSet set)
    {
        int n = set.Length, count = Math.Min(Pairs, set.Count);
        var pixels = new float[2 * count * n];
        for (int i = 0; i < count; i++)
        {
            originals.AsSpan(i * n, n).CopyTo(pixels.AsSpan(2 * i * n));
            changed.AsSpan(i * n, n).CopyTo(pixels.AsSpan((2 * i + 1) * n));
        }
        PngImages.WriteGrid(path, pixels, 2 * count, set.Shape[0], set.Shape[1], set.Shape[2], Math.Min(10, 2 * count), Scale);
    }
}
