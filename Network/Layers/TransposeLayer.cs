using ILGPU;
using ILGPU.Runtime;
using IlgpuBlindSpots.Kernels;

namespace IlgpuBlindSpots.Network.Layers;

/// <summary>
/// ONNX Transpose of a batched tensor with the batch axis kept first (a channel shuffle's
/// [N, g, C/g, H, W] → [N, C/g, g, H, W]); see <see cref="Kernels.Transpose"/>.
/// </summary>
public sealed class TransposeLayer : ILayer
{
    private readonly ComputeDevice device;
    private readonly int[] inputShape, permutation, inverse;
    private readonly LayerBuffer output = new(), inputGradient = new();
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<int>, int> gather;
    private MemoryBuffer1D<int, Stride1D.Dense>? forwardLayout, backwardLayout;
    private int layoutBatch;

    /// <summary>Permutes the axes of examples of <paramref name="inputShape"/>: <paramref name="permutation"/> of the full shape, batch axis first and kept (perm[0] = 0).</summary>
    internal TransposeLayer(ComputeDevice device, int[] inputShape, int[] permutation)
    {
        int rank = inputShape.Length + 1;
        if (permutation.Length != rank || permutation[0] != 0 || !permutation.Order().SequenceEqual(Enumerable.Range(0, rank)))
            throw new BlindSpotsException($"transpose: [{string.Join(", ", permutation)}] is not a permutation of the {rank} axes of {Tensor.Format([1, .. inputShape])} that keeps the batch axis first");
        this.device = device;
        this.inputShape = (int[])inputShape.Clone();
        this.permutation = (int[])permutation.Clone();
        inverse = new int[rank];
        for (int d = 0; d < rank; d++) inverse[permutation[d]] = d;
        gather = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<int>, int>(Kernels.Transpose.Forward);
    }

    /// <summary>The permutation of the full shape (batch axis 0).</summary>
    public IReadOnlyList<int> Permutation => permutation;
    /// <inheritdoc/>
    public string Spec => $"transpose:{string.Join("x", permutation)}";
    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [];
    /// <inheritdoc/>
    public BackwardReads ReadsForBackward(bool parameterGradients) => BackwardReads.Nothing;

    /// <inheritdoc/>
    public int[] OutputShape(int[] shape) => Permuted([1, .. shape], permutation)[1..];

    /// <inheritdoc/>
    public Tensor Forward(Tensor x, bool training)
    {
        if (x.RowLength != inputShape.Aggregate(1, (a, b) => a * b))
            throw new BlindSpotsException($"{Spec}: expects examples of {Tensor.Format(inputShape)}, got {Tensor.Format(x.Shape)}");
        PrepareLayouts(x.Batch);
        int[] full = [x.Batch, .. inputShape];
        var y = output.Get(device, Permuted(full, permutation));
        var s = device.Split(y.Length);
        gather(s.Threads, s, x.View, y.View, forwardLayout!.View, full.Length);
        return y;
    }

    /// <inheritdoc/>
    public Tensor Backward(Tensor dy, bool parameterGradients)
    {
        if (forwardLayout is null) throw new InvalidOperationException("backward before forward");
        var dx = inputGradient.Get(device, [layoutBatch, .. inputShape]);
        var s = device.Split(dx.Length);
        gather(s.Threads, s, dy.View, dx.View, backwardLayout!.View, inputShape.Length + 1);
        return dx;
    }

    /// <summary>Uploads the layouts of both directions for this batch size (once per size).</summary>
    private void PrepareLayouts(int batch)
    {
        if (forwardLayout != null && batch == layoutBatch) return;
        int[] full = [batch, .. inputShape];
        forwardLayout?.Dispose();
        backwardLayout?.Dispose();
        forwardLayout = device.Accelerator.Allocate1D(Layout(full, permutation));
        backwardLayout = device.Accelerator.Allocate1D(Layout(Permuted(full, permutation), inverse));
        layoutBatch = batch;
    }

    /// <summary>The kernel's layout for gathering from a tensor of <paramref name="source"/> dims by <paramref name="perm"/>.</summary>
    internal static int[] Layout(int[] source, int[] perm)
    {
        int rank = source.Length;
        var strides = new int[rank];
        for (int d = rank - 1, stride = 1; d >= 0; stride *= source[d], d--) strides[d] = stride;
        var layout = new int[2 * rank];
        for (int d = 0; d < rank; d++)
        {
            layout[d] = source[perm[d]];
            layout[rank + d] = strides[perm[d]];
        }
        return layout;
    }

    private static int[] Permuted(int[] shape, int[] perm) => perm.Select(p => shape[p]).ToArray();

    /// <inheritdoc/>
    public void Dispose()
    {
        output.Dispose();
        inputGradient.Dispose();
        forwardLayout?.Dispose();
        backwardLayout?.Dispose();
    }
}
