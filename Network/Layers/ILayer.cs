namespace IlgpuBlindSpots.Network.Layers;

/// <summary>
/// One layer of a sequential model: a forward/backward pair on batched device tensors.
/// </summary>
/// <remarks>
/// A layer owns the tensors it returns and reuses them while the batch size stays the same, so a
/// pass allocates nothing after the first batch. A returned tensor is valid until the next call of
/// the same method. Nothing here reads device memory back: a whole pass is queued kernel launches.
/// </remarks>
public interface ILayer : IDisposable
{
    /// <summary>The layer as the architecture spec writes it, e.g. <c>conv:32x5x5p2</c>.</summary>
    string Spec { get; }

    /// <summary>Per-example output shape for a per-example input shape (C,H,W or F).</summary>
    int[] OutputShape(int[] inputShape);

    /// <summary>Computes the output for a batch; <paramref name="training"/> switches dropout on.</summary>
    Tensor Forward(Tensor input, bool training);

    /// <summary>
    /// Given dLoss/dOutput of the last forward batch, returns dLoss/dInput; when
    /// <paramref name="parameterGradients"/> is set, also adds dLoss/dParameter to each parameter's gradient.
    /// </summary>
    Tensor Backward(Tensor outputGradient, bool parameterGradients);

    /// <summary>
    /// What <see cref="Backward"/> reads of the forward pass, with or without parameter gradients;
    /// a graph model frees the rest. A layer that does not say keeps both its input and its output.
    /// </summary>
    BackwardReads ReadsForBackward(bool parameterGradients) => BackwardReads.Input | BackwardReads.Output;

    /// <summary>Trainable parameters in state-dict order (weight, then bias); empty for parameter-free layers.</summary>
    IReadOnlyList<Parameter> Parameters { get; }
}
