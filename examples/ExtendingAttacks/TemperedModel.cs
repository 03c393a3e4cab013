using IlgpuBlindSpots.Network;
using IlgpuBlindSpots.Network.Layers;
using IlgpuBlindSpots.Network.Models;

namespace IlgpuBlindSpots.ExtendingAttacks;

/// <summary>
/// A model of one's own: a loaded model with a <see cref="TemperatureLayer"/> on top. Every attack,
/// criterion and analysis takes the <see cref="Model"/> abstraction, so this runs through the same
/// plumbing as a built-in chain or graph.
/// </summary>
public sealed class TemperedModel : Model
{
    private readonly Model inner;
    private readonly TemperatureLayer top;

    /// <summary><paramref name="inner"/>'s logits divided by <paramref name="temperature"/>; owns both.</summary>
    public TemperedModel(Model inner, float temperature) : base(inner.Device, inner.InputShape, inner.OutputShape)
    {
        this.inner = inner;
        top = new TemperatureLayer(inner.Device, temperature);
    }

    /// <inheritdoc/>
    public override IReadOnlyList<ILayer> Layers => [.. inner.Layers, top];
    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => inner.Parameters;
    /// <inheritdoc/>
    public override string Description => $"{inner.Description}, then {top.Spec}";

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, bool training) => top.Forward(inner.Forward(input, training), training);

    /// <inheritdoc/>
    public override Tensor Backward(Tensor outputGradient, bool parameterGradients) =>
        inner.Backward(top.Backward(outputGradient, parameterGradients), parameterGradients);

    /// <inheritdoc/>
    protected override void DisposeLayers()
    {
        top.Dispose();
        inner.Dispose();
    }
}
