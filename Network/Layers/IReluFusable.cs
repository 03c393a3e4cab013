namespace IlgpuBlindSpots.Network.Layers;

/// <summary>
/// A layer whose product can apply the ReLU that follows it as it stores its output (the dense
/// layer, the convolution), saving the activation's launch and its pass over the output. A model
/// runs such a pair this way where nothing else reads the product's own output
/// (<see cref="Models.ReluFusion"/>); it is an execution detail: the layers, their parameters,
/// what a model saves or exports, and every value anyone reads stay the same.
/// </summary>
internal interface IReluFusable
{
    /// <summary>
    /// The forward pass with max(output, 0) stored in place of the output: the floats of
    /// <see cref="ILayer.Forward"/> followed by a ReLU, in one launch. The layer's backward pass is
    /// unchanged, since it reads its input, never its output; the ReLU's own backward pass reads the
    /// result (<see cref="ActivationLayer.Adopt"/>).
    /// </summary>
    Tensor ForwardRelu(Tensor input, bool training);
}
