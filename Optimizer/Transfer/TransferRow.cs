namespace IlgpuBlindSpots.Optimizer.Transfer;

/// <summary>What made a row of a transfer matrix.</summary>
public enum TransferRowKind
{
    /// <summary>Adversarial examples found for one model.</summary>
    Adversarial,
    /// <summary>Adversarial perturbations rescaled to a fixed distortion, then clipped into the box.</summary>
    Amplified,
    /// <summary>Clean inputs plus clipped Gaussian noise: the paper's baseline.</summary>
    GaussianNoise,
}

/// <summary>
/// One row of a transfer matrix: a set of perturbed inputs (row-major [count, C, H, W], values in
/// [0, 1]) with the true labels of the inputs they came from, and the set's mean distortion
/// √(Σr²/n) as measured on these very images.
/// </summary>
/// <param name="Name">How the row is shown, e.g. "fc100-100-10" or "Gaussian noise, stddev 0.1".</param>
/// <param name="Kind">What made the row.</param>
/// <param name="Source">The model the set was made for (adversarial and amplified rows); null for noise.</param>
/// <param name="Images">The inputs, [count, C, H, W] row-major, values in [0, 1].</param>
/// <param name="Labels">The true label of each input, [count].</param>
/// <param name="MeanDistortion">Mean over the inputs of √(Σr²/n), r the change from the clean input.</param>
public sealed record TransferRow(string Name, TransferRowKind Kind, string? Source, float[] Images, int[] Labels,
    double MeanDistortion)
{
    /// <summary>The number of inputs in the row.</summary>
    public int Count => Labels.Length;
}
