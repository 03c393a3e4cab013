namespace IlgpuBlindSpots.Network.Layers;

/// <summary>The element-wise nonlinearities.</summary>
public enum ActivationKind
{
    /// <summary>max(0, x).</summary>
    Relu,
    /// <summary>1/(1 + e^−x).</summary>
    Sigmoid,
    /// <summary>tanh x.</summary>
    Tanh,
}
