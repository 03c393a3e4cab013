namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// One device batch of attack problems handed to an attack: an example with one goal each (an
/// example attacked towards several targets is several problems), and the attack's outputs.
/// </summary>
internal sealed class AttackBatch
{
    public AttackBatch(int count, int length, bool untargeted)
    {
        Count = count;
        Length = length;
        Untargeted = untargeted;
        Examples = new int[count];
        Originals = new float[count * length];
        Labels = new int[count];
        Targets = new int[count];
        Adversarials = new float[count * length];
        Weights = new double[count];
        Array.Fill(Weights, double.NaN);
        Iterations = new int[count];
        Evaluations = new int[count];
        // Attacks of fixed work leave these; the L-BFGS attack records why each search ended.
        Stops = new AttackStopReason[count];
        Array.Fill(Stops, AttackStopReason.StepsDone);
        SolverStops = new StopReason?[count];
        Methods = new string?[count];
    }

    public int Count { get; }
    /// <summary>Values per input, C·H·W.</summary>
    public int Length { get; }
    /// <summary>Every problem's goal is "any class but the label" (targets are −1); otherwise every problem has a target.</summary>
    public bool Untargeted { get; }
    /// <summary>Each problem's example: its index in the attacked batch.</summary>
    public int[] Examples { get; }
    /// <summary>The unperturbed inputs [Count, Length], in [0, 1].</summary>
    public float[] Originals { get; }
    public int[] Labels { get; }
    /// <summary>Target classes, −1 when untargeted.</summary>
    public int[] Targets { get; }

    // Written by the attack.
    /// <summary>The attack's perturbed inputs [Count, Length], in [0, 1]: its best attempt, successful or not.</summary>
    public float[] Adversarials { get; }
    /// <summary>The weight c the kept attempt was found with, NaN if none.</summary>
    public double[] Weights { get; }
    public int[] Iterations { get; }
    public int[] Evaluations { get; }
    /// <summary>Why the attack stopped on each problem.</summary>
    public AttackStopReason[] Stops { get; }
    /// <summary>Why the L-BFGS solve of the kept attempt stopped; null for attacks without one.</summary>
    public StopReason?[] SolverStops { get; }

    /// <summary>Which attack of a best-of found the kept input; null for a single attack.</summary>
    public string?[] Methods { get; }

    public ReadOnlySpan<float> Original(int problem) => Originals.AsSpan(problem * Length, Length);
    public Span<float> Adversarial(int problem) => Adversarials.AsSpan(problem * Length, Length);
}
