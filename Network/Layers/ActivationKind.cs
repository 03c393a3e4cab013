namespace IlgpuBlindSpots.Network.Layers;

/// <summary>The element-wise nonlinearities.</summary>
public enum ActivationKind
{
    Relu,
    Sigmoid,
    Tanh,
}
