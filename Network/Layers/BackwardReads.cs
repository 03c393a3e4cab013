namespace IlgpuBlindSpots.Network.Layers;

/// <summary>
/// Which of its forward pass's tensors a layer's backward pass reads: what a graph model must keep
/// after the forward pass for it, and may free otherwise. Shapes are always kept; these are values.
/// </summary>
[Flags]
public enum BackwardReads
{
    /// <summary>Only the output gradient and the parameters (a sum, a reshape, the input gradient of a convolution).</summary>
    Nothing = 0,
    /// <summary>The layer's inputs (a product's other factor, the weight gradient's activations).</summary>
    Input = 1,
    /// <summary>The layer's own output (ReLU, sigmoid and softmax read their derivative off it).</summary>
    Output = 2,
}
