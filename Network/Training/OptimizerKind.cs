namespace IlgpuBlindSpots.Network.Training;

/// <summary>The parameter update rule.</summary>
public enum OptimizerKind
{
    /// <summary>SGD with momentum, PyTorch's form (v = μv + g; w −= lr·v).</summary>
    Sgd,
    /// <summary>Adam with β₁ = 0.9, β₂ = 0.999, ε = 1e-8.</summary>
    Adam,
}
