namespace IlgpuBlindSpots.Optimizer.Transfer;

/// <summary>
/// The adversarial examples one attack made for one source model, as a transfer table uses them:
/// every attacked example's exact original and adversarial input (row-major [count, C, H, W], values
/// in [0, 1]), its true label and its index in the data set.
/// </summary>
/// <param name="Name">The source model's name; the set's rows are named after it.</param>
/// <param name="Origin">Where the set came from (e.g. an attack output folder): what errors about it name.</param>
/// <param name="Data">The data set the examples came from (e.g. "mnist test"); a table mixes sets of one source only.</param>
/// <param name="Shape">C, H, W of one input.</param>
/// <param name="Indices">Each example's index in the data set, ascending.</param>
/// <param name="Labels">Each example's true label.</param>
/// <param name="Originals">The clean inputs.</param>
/// <param name="Adversarials">The perturbed inputs, in the same order.</param>
public sealed record AttackedExamples(string Name, string Origin, string Data, int[] Shape, int[] Indices, int[] Labels,
    float[] Originals, float[] Adversarials)
{
    /// <summary>Values in one input: C·H·W.</summary>
    public int Length => Shape.Aggregate(1, (a, b) => a * b);

    /// <summary>Examples in the set.</summary>
    public int Count => Labels.Length;
}
