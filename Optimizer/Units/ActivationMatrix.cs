using ILGPU.Runtime;
using IlgpuBlindSpots.Network.Data;
using IlgpuBlindSpots.Network.Models;

namespace IlgpuBlindSpots.Optimizer.Units;

/// <summary>
/// φ(x) for every image of a data set: the outputs of one layer, [N, units] on the model's device,
/// computed by evaluation-mode forward passes in batches and copied into place device to device.
/// </summary>
internal static class ActivationMatrix
{
    /// <summary>
    /// The outputs of <paramref name="layer"/> for every image of <paramref name="data"/>, one row per
    /// image in data-set order. <paramref name="progress"/> is told the images done after each batch.
    /// </summary>
    public static Tensor Compute(SequentialModel model, Dataset data, UnitLayer layer, int batchSize,
        Action<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(layer);
        if (batchSize < 1) throw new BlindSpotsException($"batch size must be positive, got {batchSize}");
        if (data.Count == 0) throw new BlindSpotsException($"{data.Source}: holds no images");
        if (data.ImageSize != model.InputLength)
            throw new BlindSpotsException(
                $"{data.Source}: images of {data.Channels}x{data.Height}x{data.Width} do not fit the model's input {string.Join("x", model.InputShape)}");
        var device = model.Device;
        int units = layer.Units;
        var activations = Tensor.Allocate(device, data.Count, units);
        Tensor? full = null, last = null;
        try
        {
            for (int start = 0; start < data.Count; start += batchSize)
            {
                int b = Math.Min(batchSize, data.Count - start);
                var batch = b == batchSize ? full ??= Tensor.Allocate(device, [b, .. model.InputShape])
                                           : last ??= Tensor.Allocate(device, [b, .. model.InputShape]);
                batch.CopyFrom(data.Images.AsSpan(start * data.ImageSize, b * data.ImageSize));
                var output = model.Activations(batch, layer.Position);
                if (output.RowLength != units)
                    throw new InvalidOperationException($"layer {layer.Position} gave {output.RowLength} values per example, expected {units}");
                activations.View.SubView(start * units, b * units).CopyFrom(output.View);
                progress?.Invoke(start + b);
            }
            return activations;
        }
        catch
        {
            activations.Dispose();
            throw;
        }
        finally
        {
            full?.Dispose();
            last?.Dispose();
        }
    }
}
