namespace IlgpuBlindSpots.Network.Layers;

/// <summary>
/// A trainable tensor and its gradient, named as PyTorch's state_dict names it (<c>3.weight</c>).
/// </summary>
public sealed class Parameter : IDisposable
{
    public Parameter(string name, Tensor value, bool decays)
    {
        Name = name;
        Value = value;
        Gradient = Tensor.Zeros(value.Device, value.Shape.ToArray());
        Decays = decays;
    }

    /// <summary>State-dict name, e.g. <c>0.weight</c>.</summary>
    public string Name { get; internal set; }
    public Tensor Value { get; }
    /// <summary>Gradient of the loss, accumulated by backward passes until zeroed.</summary>
    public Tensor Gradient { get; }
    /// <summary>Whether L2 weight decay applies: weights yes, biases no (the usual convention).</summary>
    public bool Decays { get; }

    public void Dispose()
    {
        Value.Dispose();
        Gradient.Dispose();
    }
}
