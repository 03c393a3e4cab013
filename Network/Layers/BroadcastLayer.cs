using ILGPU;
using ILGPU.Runtime;
using IlgpuBlindSpots.Kernels;

namespace IlgpuBlindSpots.Network.Layers;

/// <summary>
/// Add, Sub, Mul or Div of two tensors with ONNX broadcasting (e.g. [N, C, H, W] with [N, C, 1, 1],
/// or with a per-channel constant [C, 1, 1]); see <see cref="Broadcast"/>.
/// </summary>
public sealed class BroadcastLayer : IMergeLayer
{
    /// <summary>The ONNX op types, in the kernel's op-code order.</summary>
    public static readonly string[] Ops = ["Add", "Sub", "Mul", "Div"];

    private readonly ComputeDevice device;
    private readonly int op;
    private readonly LayerBuffer output = new(), gradientA = new(), gradientB = new();
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, int, int> forward;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, int, int, int, int> backward;
    private MemoryBuffer1D<int, Stride1D.Dense>? layout;
    private string layoutKey = "";
    private int rank;
    private Tensor? a, b;

    /// <summary>The op named <paramref name="onnxOp"/> (one of <see cref="Ops"/>).</summary>
    internal BroadcastLayer(ComputeDevice device, string onnxOp)
    {
        this.device = device;
        op = Array.IndexOf(Ops, onnxOp);
        if (op < 0) throw new ArgumentException($"not a broadcast op: {onnxOp}", nameof(onnxOp));
        forward = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, int, int>(Broadcast.Forward);
        backward = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, int, int, int, int>(Broadcast.Backward);
    }

    /// <inheritdoc/>
    public string Spec => Ops[op].ToLowerInvariant();

    /// <summary>The NumPy broadcast of two shapes, or null when they do not broadcast.</summary>
    public static int[]? BroadcastShape(IReadOnlyList<int> x, IReadOnlyList<int> y)
    {
        int r = Math.Max(x.Count, y.Count);
        var result = new int[r];
        for (int d = 0; d < r; d++)
        {
            int p = d - (r - x.Count) >= 0 ? x[d - (r - x.Count)] : 1, q = d - (r - y.Count) >= 0 ? y[d - (r - y.Count)] : 1;
            if (p != q && p != 1 && q != 1) return null;
            result[d] = Math.Max(p, q);
        }
        return result;
    }

    /// <inheritdoc/>
    public int[] OutputShape(IReadOnlyList<int[]> inputShapes) =>
        BroadcastShape(inputShapes[0], inputShapes[1])
        ?? throw new BlindSpotsException($"{Spec}: shapes {Tensor.Format(inputShapes[0])} and {Tensor.Format(inputShapes[1])} do not broadcast");

    /// <inheritdoc/>
    public BackwardReads ReadsForBackward => op < 2 ? BackwardReads.Nothing : BackwardReads.Input;

    /// <inheritdoc/>
    public Tensor Forward(IReadOnlyList<Tensor> inputs)
    {
        a = inputs[0];
        b = inputs[1];
        var shape = PrepareLayout(a.Shape, b.Shape);
        var y = output.Get(device, shape);
        var s = device.Split(y.Length);
        forward(s.Threads, s, a.View, b.View, y.View, layout!.View, rank, op);
        return y;
    }

    /// <inheritdoc/>
    public IReadOnlyList<Tensor> Backward(Tensor outputGradient)
    {
        if (a is null || b is null) throw new InvalidOperationException("backward before forward");
        var da = gradientA.Get(device, a.Shape.ToArray());
        var db = gradientB.Get(device, b.Shape.ToArray());
        var sa = device.Split(da.Length);
        backward(sa.Threads, sa, outputGradient.View, a.View, b.View, da.View, layout!.View, rank, op, 1, outputGradient.Length / da.Length);
        var sb = device.Split(db.Length);
        backward(sb.Threads, sb, outputGradient.View, a.View, b.View, db.View, layout!.View, rank, op, 0, outputGradient.Length / db.Length);
        return [da, db];
    }

    /// <summary>Uploads the layout for these operand shapes (once per pair of shapes) and returns the output shape.</summary>
    private int[] PrepareLayout(IReadOnlyList<int> x, IReadOnlyList<int> y)
    {
        var shape = BroadcastShape(x, y)
            ?? throw new BlindSpotsException($"{Spec}: shapes {Tensor.Format(x)} and {Tensor.Format(y)} do not broadcast");
        string key = Tensor.Format(x) + Tensor.Format(y);
        if (key == layoutKey) return shape;
        rank = shape.Length;
        var dimsA = Padded(x, rank);
        var dimsB = Padded(y, rank);
        var data = new int[5 * rank];
        int strideA = 1, strideB = 1;
        for (int d = rank - 1; d >= 0; d--)
        {
            data[d] = shape[d];
            data[rank + d] = dimsA[d] == 1 ? 0 : strideA;
            data[2 * rank + d] = dimsB[d] == 1 ? 0 : strideB;
            data[3 * rank + d] = dimsA[d];
            data[4 * rank + d] = dimsB[d];
            strideA *= dimsA[d];
            strideB *= dimsB[d];
        }
        layout?.Dispose();
        layout = device.Accelerator.Allocate1D(data);
        layoutKey = key;
        return shape;
    }

    private static int[] Padded(IReadOnlyList<int> dims, int rank) =>
        [.. Enumerable.Repeat(1, rank - dims.Count), .. dims];

    /// <inheritdoc/>
    public void Dispose()
    {
        output.Dispose();
        gradientA.Dispose();
        gradientB.Dispose();
        layout?.Dispose();
    }
}
