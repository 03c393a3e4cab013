namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>How the size of a perturbation r = x′ − x of an input with n values is measured.</summary>
public enum Distance
{
    /// <summary>√(Σ rᵢ²/n): the distortion of Szegedy et al. (2013), Table 1; it is ‖r‖₂/√n.</summary>
    Rms,
    /// <summary>‖r‖₂ = √(Σ rᵢ²).</summary>
    L2,
    /// <summary>‖r‖∞ = maxᵢ |rᵢ|.</summary>
    LInf,
}
