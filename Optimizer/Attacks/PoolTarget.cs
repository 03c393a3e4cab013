namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>The target class an <see cref="AdversarialPool"/> attacks each training example towards.</summary>
public enum PoolTarget
{
    /// <summary>A class other than the label, drawn per example from the run's seed and the step (<see cref="TargetSelection.Random"/>).</summary>
    Random,

    /// <summary>(label + 1) mod classes (<see cref="TargetSelection.Next"/>).</summary>
    Next,
}
