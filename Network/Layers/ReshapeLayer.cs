namespace IlgpuBlindSpots.Network.Layers;

/// <summary>Flatten, Reshape, Squeeze, Unsqueeze: the same values seen with another per-example shape; no kernel, no copy.</summary>
public sealed class ReshapeLayer : ILayer
{
    private readonly int[] inputShape, outputShape;

    /// <summary>Reshapes examples of <paramref name="inputShape"/> to <paramref name="outputShape"/> (equal sizes).</summary>
    internal ReshapeLayer(int[] inputShape, int[] outputShape)
    {
        if (inputShape.Aggregate(1L, (a, b) => a * b) != outputShape.Aggregate(1L, (a, b) => a * b))
            throw new BlindSpotsException($"cannot reshape {Tensor.Format(inputShape)} to {Tensor.Format(outputShape)}");
        this.inputShape = (int[])inputShape.Clone();
        this.outputShape = (int[])outputShape.Clone();
    }

    /// <inheritdoc/>
    public string Spec => $"reshape:{string.Join("x", outputShape)}";
    /// <inheritdoc/>
    public BackwardReads ReadsForBackward(bool parameterGradients) => BackwardReads.Nothing;
    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [];
    /// <inheritdoc/>
    public int[] OutputShape(int[] shape) => (int[])outputShape.Clone();
    /// <inheritdoc/>
    public Tensor Forward(Tensor x, bool training) => x.Reshape([x.Batch, .. outputShape]);
    /// <inheritdoc/>
    public Tensor Backward(Tensor dy, bool parameterGradients) => dy.Reshape([dy.Batch, .. inputShape]);
    /// <inheritdoc/>
    public void Dispose() { }
}
