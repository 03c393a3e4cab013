using IlgpuBlindSpots.Network.Data;
using IlgpuBlindSpots.Network.Models;
using IlgpuBlindSpots.Network.Training;

namespace IlgpuBlindSpots.Optimizer.Transfer;

/// <summary>
/// The paper's Tables 2 and 4: the error rate each set of perturbed inputs (a row) induces on each
/// model (a column), i.e. the share of the row's inputs the model does not give their true label.
/// </summary>
/// <param name="Rows">The sets, in order.</param>
/// <param name="Models">The column names, in order.</param>
/// <param name="ErrorRates">ErrorRates[row, column] in [0, 1].</param>
public sealed record TransferMatrix(IReadOnlyList<TransferRow> Rows, IReadOnlyList<string> Models, double[,] ErrorRates)
{
    /// <summary>
    /// Evaluates every row on every model, batched on each model's device. Every model must take the
    /// rows' input shape (<paramref name="inputShape"/>, C×H×W); a mismatch is a one-line error naming both.
    /// A row without inputs gets NaN rates.
    /// </summary>
    /// <param name="rows">The sets of inputs.</param>
    /// <param name="models">The models with the names the columns get.</param>
    /// <param name="inputShape">C, H, W of one input.</param>
    /// <param name="batchSize">Inputs per forward pass.</param>
    public static TransferMatrix Evaluate(IReadOnlyList<TransferRow> rows, IReadOnlyList<(string Name, Model Model)> models,
        int[] inputShape, int batchSize = Evaluator.DefaultBatchSize)
    {
        foreach (var (name, model) in models)
            if (!model.InputShape.SequenceEqual(inputShape))
                throw new BlindSpotsException(
                    $"model {name} takes inputs of {string.Join("×", model.InputShape)}, the sets hold {string.Join("×", inputShape)}");
        if (batchSize <= 0) throw new BlindSpotsException($"batch size must be positive, got {batchSize}");
        int classes = models.Count == 0 ? 1 : models.Max(m => m.Model.Classes);
        var rates = new double[rows.Count, models.Count];
        for (int r = 0; r < rows.Count; r++)
        {
            var row = rows[r];
            if (row.Count == 0)
            {
                for (int m = 0; m < models.Count; m++) rates[r, m] = double.NaN; // an empty set induces no rate
                continue;
            }
            // Each row goes to a device once, however many of the models live there.
            var set = new Dataset(row.Images, row.Labels, inputShape[0], inputShape[1], inputShape[2], classes, row.Name);
            foreach (var onDevice in Enumerable.Range(0, models.Count).GroupBy(m => models[m].Model.Device))
            {
                using var uploaded = new DeviceDataset(onDevice.Key, set);
                foreach (int m in onDevice)
                    rates[r, m] = Evaluator.Evaluate(models[m].Model, uploaded, batchSize).ErrorRate;
            }
        }
        return new TransferMatrix(rows, models.Select(m => m.Name).ToList(), rates);
    }
}
