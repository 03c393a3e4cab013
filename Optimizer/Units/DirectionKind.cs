namespace IlgpuBlindSpots.Optimizer.Units;

/// <summary>What a direction v in activation space is.</summary>
public enum DirectionKind
{
    /// <summary>A basis vector eᵢ: the activation of unit i itself.</summary>
    Natural,

    /// <summary>A random unit vector, Gaussian components normalised.</summary>
    Random,
}
