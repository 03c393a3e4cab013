namespace IlgpuBlindSpots.Network.Training;

/// <summary>
/// How the λ of a model's training record (and of the paper's Table 1) enters the objective.
/// </summary>
/// <remarks>
/// The paper does not say how λ is scaled. The objective here is the mean minibatch cross-entropy
/// plus <see cref="Factor"/>·λ/2·Σ|W|² over the weight matrices (biases excluded), i.e. each step
/// adds <see cref="Factor"/>·λ·W to the weights' mean-loss gradient. See <see cref="Description"/>.
/// </remarks>
public static class WeightDecayConvention
{
    /// <summary>Multiplier between the λ a user gives and the coefficient of λ/2·|W|² in the mean-loss objective.</summary>
    public const double Factor = 1.0;

    /// <summary>The convention in words, recorded in every model file's metadata.</summary>
    public const string Description = "mean minibatch cross-entropy + lambda/2 * sum of squared weights (biases excluded)";

    /// <summary>The coefficient c of c/2·|W|² added to the mean minibatch loss for a user's λ.</summary>
    public static double Coefficient(double lambda) => Factor * lambda;
}
