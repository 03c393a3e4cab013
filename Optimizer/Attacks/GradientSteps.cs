using ILGPU;
using ILGPU.Runtime;

namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// Projected gradient steps on the attack loss within an ε-ball around each input, intersected with
/// [0, 1]ⁿ (<see cref="AttackSteps"/>): the engine of <see cref="FgsmAttack"/> and <see cref="PgdAttack"/>.
/// </summary>
internal static class GradientSteps
{
    /// <summary>
    /// Runs <paramref name="steps"/> steps of length <paramref name="stepSize"/> from x (or from a
    /// random point of the ball), under <paramref name="norm"/>: signed-gradient steps for L∞,
    /// normalised-gradient steps for L2 and RMS (whose ε and step are RMS sizes, √n times smaller
    /// than the L2 ones). Writes the batch's perturbed inputs and counts.
    /// </summary>
    public static void Run(AttackBatch batch, AttackLoss loss, Distance norm, double epsilon, double stepSize,
        int steps, bool randomStart, int seed)
    {
        var device = loss.Device;
        int count = batch.Count, n = batch.Length;
        int[] shape = [count, .. loss.Model.InputShape];
        float radius = (float)Distortions.Radius(norm, epsilon, n);
        float step = (float)Distortions.Radius(norm, stepSize, n);

        var start = (float[])batch.Originals.Clone();
        if (randomStart)
            for (int p = 0; p < count; p++)
                RandomOffset(start.AsSpan(p * n, n), norm, radius, seed, batch.Indices[p]);

        using var original = Tensor.FromArray(device, batch.Originals, shape);
        using var adversarial = Tensor.FromArray(device, start, shape);
        using var labels = device.Accelerator.Allocate1D(batch.Labels);
        using var targets = device.Accelerator.Allocate1D(batch.Targets);
        var kernels = device.KernelCache;
        var signStep = kernels.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float>(AttackSteps.SignStep);
        var normalizedStep = kernels.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, int>(AttackSteps.NormalizedStep);
        var projectL2 = kernels.Load<WorkSplit, ArrayView<float>, ArrayView<float>, float, int>(AttackSteps.ProjectL2);
        var elements = device.Split(count * n);
        var rows = device.Split(count);

        if (randomStart)
        {
            // Project the random start onto the ball ∩ box (for L∞ a step of 0 is the projection).
            if (norm == Distance.LInf) signStep(elements.Threads, elements, adversarial.View, original.View, original.View, 0f, radius);
            else projectL2(rows.Threads, rows, adversarial.View, original.View, radius, n);
        }
        for (int s = 0; s < steps; s++)
        {
            var (_, gradient) = loss.Evaluate(adversarial, labels.View, targets.View, batch.Untargeted);
            if (norm == Distance.LInf) signStep(elements.Threads, elements, adversarial.View, gradient.View, original.View, step, radius);
            else normalizedStep(rows.Threads, rows, adversarial.View, gradient.View, original.View, step, radius, n);
        }
        adversarial.ToArray().CopyTo(batch.Adversarials, 0);
        Array.Fill(batch.Iterations, steps);
        Array.Fill(batch.Evaluations, steps);
    }

    /// <summary>Adds a point drawn uniformly from the ball of <paramref name="radius"/> (L∞: the cube; L2: the ball).</summary>
    private static void RandomOffset(Span<float> x, Distance norm, float radius, int seed, int index)
    {
        var rng = ExampleRandom.For(seed, index);
        int n = x.Length;
        if (norm == Distance.LInf)
        {
            for (int i = 0; i < n; i++) x[i] += (float)((2 * rng.NextDouble() - 1) * radius);
            return;
        }
        var direction = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            direction[i] = ExampleRandom.StandardNormal(rng);
            sum += direction[i] * direction[i];
        }
        double length = radius * Math.Pow(rng.NextDouble(), 1.0 / n) / Math.Sqrt(sum);
        for (int i = 0; i < n; i++) x[i] += (float)(direction[i] * length);
    }
}
