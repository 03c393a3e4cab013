namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>What an attack did to one example of a batch.</summary>
public sealed record AttackResult
{
    /// <summary>The example's position in the batch.</summary>
    public required int Index { get; init; }
    /// <summary>The example's true class, as given to the attack.</summary>
    public required int Label { get; init; }
    /// <summary>The target class of the kept attempt; −1 for an untargeted attack.</summary>
    public required int Target { get; init; }
    /// <summary>The model's prediction on the unperturbed input.</summary>
    public required int PredictionBefore { get; init; }
    /// <summary>The input was misclassified already, so it was not attacked (and does not count as a success).</summary>
    public bool AlreadyMisclassified => PredictionBefore != Label;
    /// <summary>
    /// The goal was reached: a fresh float32 forward pass of the model on <see cref="Adversarial"/>,
    /// made after the attack, predicts the target (or, untargeted, anything but the label).
    /// </summary>
    public required bool Success { get; init; }
    /// <summary>The model's prediction on <see cref="Adversarial"/> in that final pass.</summary>
    public required int PredictionAfter { get; init; }
    /// <summary>Size of <see cref="Adversarial"/> − input; zero for an input not attacked.</summary>
    public required Distortions Distortion { get; init; }
    /// <summary>
    /// The perturbed input x + r, in [0, 1], shaped as one input (C·H·W values): the kept attempt,
    /// successful or not; the input itself when it was not attacked.
    /// </summary>
    public required float[] Adversarial { get; init; }
    /// <summary>The weight c of ‖r‖² at which the kept perturbation was found; NaN for attacks without one.</summary>
    public double Weight { get; init; } = double.NaN;
    /// <summary>Optimizer steps (L-BFGS iterations, gradient steps) spent on this example, over every attempt.</summary>
    public int Iterations { get; init; }
    /// <summary>
    /// Evaluations of the attack loss with its input gradient (one model forward and backward pass
    /// each), over every attempt. Forward-only passes that check success (one per L-BFGS solve, and
    /// the final check) are not counted.
    /// </summary>
    public int Evaluations { get; init; }
    /// <summary>Why the attack stopped on this example: not attacked, fixed work done, or how the L-BFGS attack's weight search ended.</summary>
    public required AttackStopReason Stop { get; init; }
    /// <summary>
    /// Why the L-BFGS solve that produced <see cref="Adversarial"/> stopped (converged, step limit,
    /// failed line search…); null for attacks that run no such solve, and for inputs not attacked.
    /// </summary>
    public StopReason? SolverStop { get; init; }
    /// <summary>For <see cref="BestOfAttack"/>: the name of the attack whose input was kept; null otherwise.</summary>
    public string? Method { get; init; }
    /// <summary>This example's share of the run's wall-clock time: the run's seconds divided equally among its examples.</summary>
    public double Seconds { get; init; }
}
