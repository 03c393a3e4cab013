using System.Globalization;
using IlgpuBlindSpots.Network.Layers;
using IlgpuBlindSpots.Network.Models;

namespace IlgpuBlindSpots.Optimizer.Analysis;

/// <summary>
/// Section 4.3 of Szegedy et al.: an upper bound on the L2 Lipschitz constant of every layer of a
/// model and of the whole logits map, computed on the model's device.
/// </summary>
/// <remarks>
/// Per layer (biases never matter: they cancel in f(x) − f(x + r)):
/// <list type="bullet">
/// <item>fully connected: ‖W‖₂ by power iteration (<see cref="SpectralNorm.OfDense"/>);</item>
/// <item>convolution: the Fourier bound at the zero-padded input size, stride-1 bound even for a
/// strided layer (<see cref="FourierConvolutionBound"/> explains why both are upper bounds);</item>
/// <item>max-pooling: √m with m the most windows sharing one input, exact, and above 1 for
/// overlapping windows (<see cref="MaxPoolBound"/>);</item>
/// <item>ReLU and tanh: 1, sigmoid: 1/4 (the largest slope, σ′(0) = 1/4; an element-wise map with
/// slope at most s is s-Lipschitz in L2);</item>
/// <item>dropout: 1 (the identity in evaluation).</item>
/// </list>
/// Power iteration gives the norms of fully connected layers and of each frequency's matrix from
/// below; the table says how many iterations each took and whether it converged.
/// </remarks>
public static class LipschitzBounds
{
    /// <summary>The table for <paramref name="model"/> in evaluation mode.</summary>
    public static LipschitzBoundTable Compute(SequentialModel model, PowerIterationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new PowerIterationOptions();
        options.Validate();
        var rows = new List<LayerBound>();
        for (int i = 0; i < model.Layers.Count; i++)
            rows.Add(ForLayer(model.Layers[i], i + 1, options));
        return new LipschitzBoundTable(rows);
    }

    /// <summary>The largest slope of an element-wise activation, its L2 Lipschitz constant.</summary>
    public static double Of(ActivationKind kind) => kind switch
    {
        ActivationKind.Relu => 1.0,
        ActivationKind.Sigmoid => 0.25,
        ActivationKind.Tanh => 1.0,
        _ => throw new BlindSpotsException($"no Lipschitz constant known for activation {kind}"),
    };

    private static LayerBound ForLayer(ILayer layer, int position, PowerIterationOptions options)
    {
        switch (layer)
        {
            case Conv2dLayer c:
            {
                var b = FourierConvolutionBound.ForLayer(c, options);
                string torus = c.Padding > 0
                    ? $"{b.Height}×{b.Width} (input {c.InHeight}×{c.InWidth} + 2·{c.Padding} zero padding)"
                    : $"{b.Height}×{b.Width}";
                return new LayerBound(position, c.Spec, $"{c.InChannels}×{c.KernelHeight}×{c.KernelWidth}×{c.Filters}",
                    c.Stride == 1 ? "1" : $"{c.Stride} (bound of stride 1)", b.Bound,
                    $"Fourier on {torus}, largest at frequency ({b.FrequencyU}, {b.FrequencyV})", b.Iterations, b.Converged);
            }
            case DenseLayer d:
            {
                var r = SpectralNorm.OfDense(d, options);
                return new LayerBound(position, d.Spec, $"{d.InFeatures}×{d.OutFeatures}", "N/A", r.Norm,
                    "spectral norm, power iteration", r.Iterations, r.Converged);
            }
            case MaxPoolLayer m:
            {
                int mh = MaxPoolBound.WindowsPerInput(m.InHeight, m.WindowHeight, m.Stride, m.Padding);
                int mw = MaxPoolBound.WindowsPerInput(m.InWidth, m.WindowWidth, m.Stride, m.Padding);
                string method = mh * mw == 1
                    ? "windows do not overlap"
                    : $"√({mh}·{mw}): an input lies in up to {mh}×{mw} windows";
                return new LayerBound(position, m.Spec, $"{m.WindowHeight}×{m.WindowWidth}",
                    m.Stride.ToString(CultureInfo.InvariantCulture), MaxPoolBound.Of(m), method, 0, true);
            }
            case ActivationLayer a:
                return new LayerBound(position, a.Spec, "", "", Of(a.Kind), a.Kind switch
                {
                    ActivationKind.Sigmoid => "largest slope σ′(0) = 1/4",
                    ActivationKind.Tanh => "largest slope tanh′(0) = 1",
                    _ => "largest slope 1",
                }, 0, true);
            case DropoutLayer d:
                return new LayerBound(position, d.Spec, "", "", 1.0, "identity in evaluation", 0, true);
            case NormalizeLayer n:
                // y = (x − mean)/std per channel: a diagonal map whose norm is the largest 1/|std|.
                return new LayerBound(position, n.Spec, "", "", n.Stds.Max(s => 1.0 / Math.Abs(s)), "largest 1/|std|", 0, true);
            default:
                throw new BlindSpotsException($"layer {position} '{layer.Spec}': no Lipschitz bound is known for this kind of layer");
        }
    }
}
