namespace IlgpuBlindSpots.Network.Layers;

/// <summary>
/// A parameter-free layer of a graph model that takes several inputs (Add, Mul, Concat): the same
/// buffer-ownership rules as <see cref="ILayer"/>, one gradient returned per input.
/// </summary>
public interface IMergeLayer : IDisposable
{
    /// <summary>The op, e.g. <c>add</c>.</summary>
    string Spec { get; }

    /// <summary>Full output shape (batch axis first) for full input shapes; a constant input has no batch axis of its own.</summary>
    int[] OutputShape(IReadOnlyList<int[]> inputShapes);

    /// <summary>Computes the output for a batch.</summary>
    Tensor Forward(IReadOnlyList<Tensor> inputs);

    /// <summary>What <see cref="Backward"/> reads of the forward pass (all inputs, or none); a graph model frees the rest.</summary>
    BackwardReads ReadsForBackward => BackwardReads.Input | BackwardReads.Output;

    /// <summary>Given dLoss/dOutput of the last forward batch, returns dLoss/dInput for each input, in order.</summary>
    IReadOnlyList<Tensor> Backward(Tensor outputGradient);
}
