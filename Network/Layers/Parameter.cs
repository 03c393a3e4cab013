namespace IlgpuBlindSpots.Network.Layers;

/// <summary>
/// A trainable tensor and its gradient, named as PyTorch's state_dict names it (<c>3.weight</c>).
/// </summary>
public sealed class Parameter : IDisposable
{
    /// <summary>Takes ownership of <paramref name="value"/> and allocates a zero gradient of its shape.</summary>
    internal Parameter(string name, Tensor value, bool decays)
    {
        Name = name;
        Value = value;
        Gradient = Tensor.Zeros(value.Device, value.Shape.ToArray());
        Decays = decays;
    }

    /// <summary>State-dict name, e.g. <c>0.weight</c>.</summary>
    public string Name { get; internal set; }
    /// <summary>The values, shaped as the layer needs them (e.g. [out, in] for a dense weight).</summary>
    public Tensor Value { get; }
    /// <summary>Gradient of the loss, accumulated by backward passes until zeroed.</summary>
    public Tensor Gradient { get; }
    /// <summary>Whether L2 weight decay applies: weights yes, biases no (the usual convention).</summary>
    public bool Decays { get; }

    /// <summary>Frees the value and the gradient.</summary>
    public void Dispose()
    {
        Value.Dispose();
        Gradient.Dispose();
    }
}
