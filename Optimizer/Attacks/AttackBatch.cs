namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// One device batch of attack problems handed to an attack: an example with one goal each (an
/// example attacked towards several targets is several problems), and the attack's outputs.
/// </summary>
public sealed class AttackBatch
{
    /// <summary>A batch of <paramref name="count"/> problems over inputs of <paramref name="length"/> values; <paramref name="untargeted"/>: every goal is "any class but the label".</summary>
    public AttackBatch(int count, int length, bool untargeted)
    {
        Count = count;
        Length = length;
        Untargeted = untargeted;
        Examples = new int[count];
        Indices = new int[count];
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

    /// <summary>Problems in the batch.</summary>
    public int Count { get; }
    /// <summary>Values per input, C·H·W.</summary>
    public int Length { get; }
    /// <summary>Every problem's goal is "any class but the label" (targets are −1); otherwise every problem has a target.</summary>
    public bool Untargeted { get; }
    /// <summary>Each problem's example: its index in the attacked batch.</summary>
    public int[] Examples { get; }
    /// <summary>Each problem's example: its index in its data set, which seeds everything random about it (<see cref="ExampleRandom"/>).</summary>
    public int[] Indices { get; }
    /// <summary>The unperturbed inputs [Count, Length], in [0, 1].</summary>
    public float[] Originals { get; }
    /// <summary>Each problem's true class.</summary>
    public int[] Labels { get; }
    /// <summary>Target classes, −1 when untargeted.</summary>
    public int[] Targets { get; }

    // Written by the attack.
    /// <summary>The attack's perturbed inputs [Count, Length], in [0, 1]: its best attempt, successful or not.</summary>
    public float[] Adversarials { get; }
    /// <summary>The weight c the kept attempt was found with, NaN if none.</summary>
    public double[] Weights { get; }
    /// <summary>Iterations the attack made per problem.</summary>
    public int[] Iterations { get; }
    /// <summary>Loss-and-gradient evaluations the attack made per problem.</summary>
    public int[] Evaluations { get; }
    /// <summary>Why the attack stopped on each problem.</summary>
    public AttackStopReason[] Stops { get; }
    /// <summary>Why the L-BFGS solve of the kept attempt stopped; null for attacks without one.</summary>
    public StopReason?[] SolverStops { get; }

    /// <summary>Which attack of a best-of found the kept input; null for a single attack.</summary>
    public string?[] Methods { get; }

    /// <summary>Problem <paramref name="problem"/>'s unperturbed input.</summary>
    public ReadOnlySpan<float> Original(int problem) => Originals.AsSpan(problem * Length, Length);
    /// <summary>Problem <paramref name="problem"/>'s perturbed input, to be written by the attack.</summary>
    public Span<float> Adversarial(int problem) => Adversarials.AsSpan(problem * Length, Length);
}
