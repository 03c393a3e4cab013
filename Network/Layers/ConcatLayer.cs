using ILGPU;
using IlgpuBlindSpots.Kernels;

namespace IlgpuBlindSpots.Network.Layers;

/// <summary>Concatenation along axis <see cref="Axis"/> ≥ 1 of the full shape (1: channels); see <see cref="BlockCopy"/>.</summary>
public sealed class ConcatLayer : IMergeLayer
{
    private readonly ComputeDevice device;
    private readonly LayerBuffer output = new();
    private readonly List<LayerBuffer> gradients = [];
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, int, int, int, int, int> copy;
    private IReadOnlyList<Tensor> inputs = [];

    /// <summary>Concatenation along <paramref name="axis"/> of the full (batched) shape.</summary>
    internal ConcatLayer(ComputeDevice device, int axis)
    {
        this.device = device;
        Axis = axis;
        copy = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, int, int, int, int, int>(BlockCopy.Copy);
    }

    /// <summary>The axis of the full shape along which inputs are joined.</summary>
    public int Axis { get; }
    /// <inheritdoc/>
    public string Spec => $"concat:{Axis}";

    /// <inheritdoc/>
    public int[] OutputShape(IReadOnlyList<int[]> inputShapes)
    {
        var first = inputShapes[0];
        foreach (var s in inputShapes)
            if (s.Length != first.Length || Enumerable.Range(0, s.Length).Any(d => d != Axis && s[d] != first[d]))
                throw new BlindSpotsException($"concat along axis {Axis}: shapes {string.Join(" and ", inputShapes.Select(Tensor.Format))} differ off that axis");
        var shape = (int[])first.Clone();
        shape[Axis] = inputShapes.Sum(s => s[Axis]);
        return shape;
    }

    /// <inheritdoc/>
    public BackwardReads ReadsForBackward => BackwardReads.Nothing;

    /// <inheritdoc/>
    public Tensor Forward(IReadOnlyList<Tensor> inputs)
    {
        this.inputs = inputs.ToList();
        var y = output.Get(device, OutputShape(inputs.Select(t => t.Shape.ToArray()).ToList()));
        int outer = Outer(y.Shape), row = y.Length / outer, offset = 0;
        foreach (var x in inputs)
        {
            int part = x.Length / outer;
            var s = device.Split(x.Length);
            copy(s.Threads, s, x.View, y.View, part, part, 0, row, offset);
            offset += part;
        }
        return y;
    }

    /// <inheritdoc/>
    public IReadOnlyList<Tensor> Backward(Tensor outputGradient)
    {
        while (gradients.Count < inputs.Count) gradients.Add(new LayerBuffer());
        int outer = Outer(outputGradient.Shape), row = outputGradient.Length / outer, offset = 0;
        var result = new List<Tensor>();
        for (int i = 0; i < inputs.Count; i++)
        {
            var dx = gradients[i].Get(device, inputs[i].Shape.ToArray());
            int part = dx.Length / outer;
            var s = device.Split(dx.Length);
            copy(s.Threads, s, outputGradient.View, dx.View, part, row, offset, part, 0);
            offset += part;
            result.Add(dx);
        }
        return result;
    }

    private int Outer(IReadOnlyList<int> shape) => shape.Take(Axis).Aggregate(1, (a, b) => a * b);

    /// <inheritdoc/>
    public void Dispose()
    {
        output.Dispose();
        foreach (var g in gradients) g.Dispose();
    }
}
