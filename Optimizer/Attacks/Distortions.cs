namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>The size of one perturbation under every <see cref="Distance"/>, computed in float64.</summary>
/// <param name="Rms">√(Σ rᵢ²/n), the paper's distortion.</param>
/// <param name="L2">‖r‖₂ = √(Σ rᵢ²).</param>
/// <param name="LInf">‖r‖∞ = maxᵢ |rᵢ|, in pixel units of [0, 1].</param>
public readonly record struct Distortions(double Rms, double L2, double LInf)
{
    /// <summary>No perturbation.</summary>
    public static Distortions Zero => default;

    /// <summary>The distortions of r = adversarial − original (equal lengths, at least one value).</summary>
    public static Distortions Between(ReadOnlySpan<float> original, ReadOnlySpan<float> adversarial)
    {
        if (original.Length != adversarial.Length || original.Length == 0)
            throw new ArgumentException($"inputs of {original.Length} and {adversarial.Length} values cannot be compared");
        double sum = 0, max = 0;
        for (int i = 0; i < original.Length; i++)
        {
            double r = (double)adversarial[i] - original[i];
            sum += r * r;
            max = Math.Max(max, Math.Abs(r));
        }
        return new Distortions(Math.Sqrt(sum / original.Length), Math.Sqrt(sum), max);
    }

    /// <summary>The distortion under one distance.</summary>
    public double Of(Distance distance) => distance switch
    {
        Distance.Rms => Rms,
        Distance.L2 => L2,
        Distance.LInf => LInf,
        _ => throw new ArgumentOutOfRangeException(nameof(distance), distance, null),
    };

    /// <summary>
    /// A budget ε given in <paramref name="distance"/> as a radius in the norm an attack steps in:
    /// an RMS budget is the L2 radius ε·√n.
    /// </summary>
    internal static double Radius(Distance distance, double epsilon, int n) =>
        distance == Distance.Rms ? epsilon * Math.Sqrt(n) : epsilon;
}
