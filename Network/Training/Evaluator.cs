using ILGPU;
using ILGPU.Runtime;
using IlgpuBlindSpots.Kernels;
using IlgpuBlindSpots.Network.Data;
using IlgpuBlindSpots.Network.Losses;
using IlgpuBlindSpots.Network.Models;

namespace IlgpuBlindSpots.Network.Training;

/// <summary>
/// Error rate and mean cross-entropy of a model on a labelled data set, in evaluation mode,
/// batched on the device; the predictions and the loss total are read back once at the end.
/// </summary>
public static class Evaluator
{
    /// <summary>Examples per forward pass unless told otherwise.</summary>
    public const int DefaultBatchSize = 1000;

    /// <summary>Predicts every example of <paramref name="data"/> in batches of <paramref name="batchSize"/>.</summary>
    /// <exception cref="BlindSpotsException">The images do not fit the model's input, or the batch size is not positive.</exception>
    public static EvaluationResult Evaluate(Model model, Dataset data, int batchSize = DefaultBatchSize)
    {
        if (data.ImageSize != model.InputLength)
            throw new BlindSpotsException(
                $"{data.Source}: images of {data.Channels}x{data.Height}x{data.Width} do not fit the model's input {string.Join("x", model.InputShape)}");
        using var onDevice = new DeviceDataset(model.Device, data);
        return Evaluate(model, onDevice, batchSize);
    }

    /// <summary>As <see cref="Evaluate(Model, Dataset, int)"/>, for data already on the model's device (several models, one upload).</summary>
    public static EvaluationResult Evaluate(Model model, DeviceDataset data, int batchSize = DefaultBatchSize)
    {
        var device = model.Device;
        int n = data.Count;
        if (n == 0) return new EvaluationResult(0, 0, 0, []);
        if (batchSize <= 0) throw new BlindSpotsException($"batch size must be positive, got {batchSize}");
        var gatherRows = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int>(Gather.Rows);
        var argMax = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<int>, int>(VectorOps.ArgMax);
        var sumPartials = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<double>>(VectorOps.SumPartials);
        var finishSum = device.KernelCache.Load<WorkSplit, ArrayView<double>, ArrayView<double>, int, double, int>(VectorOps.FinishSum);
        using var loss = new SoftmaxCrossEntropyLoss(device);
        using var predictions = device.Accelerator.Allocate1D<int>(n);
        using var total = device.Accelerator.Allocate1D<double>(1);
        using var partials = device.Accelerator.Allocate1D<double>(Math.Max(1, device.ReductionSplit(Math.Min(batchSize, n)).Threads));
        using var identity = device.Accelerator.Allocate1D(Enumerable.Range(0, n).ToArray());
        total.MemSetToZero();
        int row = data.Images.RowLength;
        Tensor? full = null, last = null;
        for (int start = 0; start < n; start += batchSize)
        {
            int b = Math.Min(batchSize, n - start);
            var batch = b == batchSize ? full ??= Tensor.Allocate(device, [b, .. model.InputShape])
                                       : last ??= Tensor.Allocate(device, [b, .. model.InputShape]);
            var sg = device.Split(b * row);
            gatherRows(sg.Threads, sg, data.Images.View, identity.View, batch.View, start, row);
            var logits = model.Logits(batch, BackwardUse.None);
            var labels = data.Labels.SubView(start, b);
            var losses = loss.Losses(logits, labels);
            var sr = device.ReductionSplit(b);
            sumPartials(sr.Threads, sr, losses.View, partials.View);
            var one = device.Split(1);
            finishSum(one.Threads, one, partials.View, total.View, sr.Threads, 1.0, 1);
            var sa = device.Split(b);
            argMax(sa.Threads, sa, logits.View, predictions.View.SubView(start, b), ArrayView<int>.Empty, logits.RowLength);
        }
        full?.Dispose();
        last?.Dispose();
        int[] predicted = predictions.GetAsArray1D();
        double sum = total.GetAsArray1D()[0];
        int errors = 0;
        var truth = data.Source.Labels;
        for (int i = 0; i < n; i++) if (predicted[i] != truth[i]) errors++;
        return new EvaluationResult(n, errors, sum / n, predicted);
    }
}
