namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>The target class an <see cref="AdversarialPool"/> attacks each training example towards.</summary>
public enum PoolTarget
{
    /// <summary>A class other than the label, drawn per example from the run's seed and the step (<see cref="TargetSelection.RandomFor"/>).</summary>
    Random,

    /// <summary>(label + 1) mod classes (<see cref="TargetSelection.Next"/>).</summary>
    Next,

    /// <summary>
    /// Any class but the label (<see cref="Misclassification"/>): the attack crosses the nearest
    /// decision boundary it finds, so each example is the smallest step that changes the label, the
    /// one that says most about the margin.
    /// </summary>
    Any,
}
