using ILGPU;
using ILGPU.Runtime;

namespace IlgpuBlindSpots.Tests.Attacks;

/// <summary>
/// A small sigmoid network trained in-test on the first 200 digits of the committed MNIST sample
/// (plain SGD with momentum, a second), shared by the attack tests, and the held-out digits it
/// classifies correctly. Deterministic: a fixed seed and a fixed order of examples.
/// </summary>
internal sealed class TrainedDigitModel
{
    public const string Spec = "fc:32,sigmoid,fc:10";
    private const int TrainCount = 200, BatchSize = 20, Epochs = 60;

    private static readonly Lazy<TrainedDigitModel> instance = new(() => new TrainedDigitModel());

    private TrainedDigitModel()
    {
        var dev = TestDevice.Current;
        Data = Dataset.Load("sample", DatasetSplit.Test, RepoFiles.DataRoot);
        Model = SequentialModel.Create(dev, Spec, [1, 28, 28]);
        Model.Initialize(seed: 5);
        var update = dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float>(ParameterUpdate.SgdMomentum);
        var velocity = Model.Parameters.Select(p => Tensor.Zeros(dev, p.Value.Shape.ToArray())).ToList();
        int n = Data.ImageSize;
        var batches = new List<(Tensor X, MemoryBuffer1D<int, Stride1D.Dense> Y)>();
        for (int s = 0; s < TrainCount; s += BatchSize)
            batches.Add((Tensor.FromArray(dev, Data.Images.AsSpan(s * n, BatchSize * n).ToArray(), BatchSize, 1, 28, 28),
                dev.Accelerator.Allocate1D(Data.Labels.AsSpan(s, BatchSize).ToArray())));
        for (int epoch = 0; epoch < Epochs; epoch++)
            foreach (var (x, y) in batches)
            {
                Model.ZeroGradients();
                Model.ParameterGradients(x, y.View, training: true);
                for (int i = 0; i < Model.Parameters.Count; i++)
                {
                    var p = Model.Parameters[i];
                    var split = dev.Split(p.Value.Length);
                    update(split.Threads, split, p.Value.View, p.Gradient.View, velocity[i].View, 0.5f, 0.9f);
                }
            }
        foreach (var (x, y) in batches)
        {
            x.Dispose();
            y.Dispose();
        }
        foreach (var v in velocity) v.Dispose();

        // Held-out digits, and which of them the model gets right.
        int heldOut = Data.Count - TrainCount;
        using var all = Tensor.FromArray(dev, Data.Images.AsSpan(TrainCount * n).ToArray(), heldOut, 1, 28, 28);
        float[] logits = Model.Logits(all).ToArray();
        var correct = new List<int>();
        for (int i = 0; i < heldOut; i++)
        {
            var row = logits.AsSpan(i * 10, 10);
            int predicted = row.IndexOf(MaxOf(row));
            if (predicted == Data.Labels[TrainCount + i]) correct.Add(TrainCount + i);
            else Misclassified.Add(TrainCount + i);
        }
        Correct = correct;
        HeldOutAccuracy = (double)correct.Count / heldOut;
    }

    public static TrainedDigitModel Instance => instance.Value;

    public Dataset Data { get; }
    public SequentialModel Model { get; }
    /// <summary>Indices into <see cref="Data"/> of held-out digits the model classifies correctly.</summary>
    public IReadOnlyList<int> Correct { get; }
    /// <summary>Indices of held-out digits it gets wrong.</summary>
    public List<int> Misclassified { get; } = [];
    public double HeldOutAccuracy { get; }

    /// <summary>Digits <paramref name="indices"/> as a batch [B, 1, 28, 28] on the test device, with their labels.</summary>
    public (Tensor Inputs, int[] Labels) Batch(IEnumerable<int> indices)
    {
        var list = indices.ToList();
        int n = Data.ImageSize;
        var x = new float[list.Count * n];
        for (int i = 0; i < list.Count; i++) Data.Image(list[i]).CopyTo(x.AsSpan(i * n, n));
        return (Tensor.FromArray(TestDevice.Current, x, list.Count, 1, 28, 28), list.Select(i => Data.Labels[i]).ToArray());
    }

    private static float MaxOf(ReadOnlySpan<float> row)
    {
        float max = row[0];
        foreach (float v in row) max = Math.Max(max, v);
        return max;
    }
}
