namespace IlgpuBlindSpots.Network.Models;

/// <summary>
/// What may follow a forward pass: nothing (inference: every value is freed once read), the input
/// gradient (an attack), or the parameter gradients too (training). A graph model keeps after the
/// pass only what that backward pass reads.
/// </summary>
public enum BackwardUse
{
    /// <summary>No backward pass: logits only.</summary>
    None,
    /// <summary>A backward pass for the input gradient only.</summary>
    Input,
    /// <summary>A backward pass for the input and parameter gradients.</summary>
    Parameters,
}
