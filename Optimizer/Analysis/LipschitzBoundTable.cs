using System.Globalization;
using System.Text;

namespace IlgpuBlindSpots.Optimizer.Analysis;

/// <summary>
/// Per-layer upper bounds on the L2 Lipschitz constant of a network and their product, the bound
/// for the whole network (the paper's Table 5): ‖f(x) − f(x + r)‖ ≤ <see cref="Product"/>·‖r‖.
/// </summary>
/// <remarks>
/// The composition f = φ_K ∘ … ∘ φ_1 of maps with Lipschitz constants L_k is Lipschitz with
/// ∏ L_k, whatever the inputs: ‖φ_K(…) − φ_K(…)‖ ≤ L_K·‖φ_{K−1}(…) − φ_{K−1}(…)‖ ≤ …
/// Flattening before a fully connected layer is an isometry and contributes 1.
/// </remarks>
public sealed class LipschitzBoundTable
{
    /// <summary>A table of the given per-layer bounds, in model order.</summary>
    public LipschitzBoundTable(IReadOnlyList<LayerBound> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        Layers = layers;
    }

    /// <summary>One bound per layer, input first.</summary>
    public IReadOnlyList<LayerBound> Layers { get; }

    /// <summary>∏ of the layers' bounds: the bound for the network's logits.</summary>
    public double Product => Layers.Aggregate(1.0, (p, l) => p * l.UpperBound);

    /// <summary>Whether every power iteration met its tolerance.</summary>
    public bool Converged => Layers.All(l => l.Converged);

    /// <summary>A Markdown table with the paper's columns (layer, size, stride, upper bound), how each bound was found, and the product.</summary>
    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        sb.AppendLine("| # | Layer | Size | Stride | Upper bound | Method |");
        sb.AppendLine("|---:|---|---|---|---:|---|");
        foreach (var l in Layers)
        {
            string method = l.Method;
            if (l.Iterations > 0)
                method += l.Converged
                    ? $"; {l.Iterations} iterations"
                    : $"; not converged in {l.Iterations} iterations";
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {l.Position} | {l.Layer} | {l.Size} | {l.Stride} | {Format(l.UpperBound)} | {method} |");
        }
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"| | **network (product)** | | | **{Format(Product)}** | {(Converged ? "" : "some power iterations did not converge")} |");
        return sb.ToString();
    }

    private static string Format(double v) => v.ToString("G5", CultureInfo.InvariantCulture);
}
