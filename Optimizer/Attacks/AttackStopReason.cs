namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>Why an attack stopped working on one example (<see cref="AttackResult.Stop"/>).</summary>
public enum AttackStopReason
{
    /// <summary>The model already misclassified the input, so it was not attacked.</summary>
    NotAttacked,
    /// <summary>The attack did its fixed work: one noise draw, one FGSM step, or every PGD step.</summary>
    StepsDone,
    /// <summary>
    /// L-BFGS attack: the bracket [largest successful c, smallest failing c] narrowed to
    /// <see cref="LbfgsAttackOptions.WeightTolerance"/>, so the perturbation is as small as the search can make it.
    /// </summary>
    WeightConverged,
    /// <summary>L-BFGS attack: every weight c down to <see cref="LbfgsAttackOptions.MinWeight"/> failed; no perturbation reached the goal.</summary>
    MinWeightReached,
    /// <summary>L-BFGS attack: every weight c up to <see cref="LbfgsAttackOptions.MaxWeight"/> succeeded; a smaller perturbation may exist.</summary>
    MaxWeightReached,
    /// <summary>L-BFGS attack: <see cref="LbfgsAttackOptions.MaxRounds"/> rounds of the weight search were made before it settled.</summary>
    MaxRounds,
}
