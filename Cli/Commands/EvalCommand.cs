using System.Globalization;
using System.Text;
using System.Text.Json;
using IlgpuBlindSpots.Network;
using IlgpuBlindSpots.Network.Data;
using IlgpuBlindSpots.Network.Training;

namespace IlgpuBlindSpots.Cli.Commands;

internal static class EvalCommand
{
    public static int Run(EvalOptions o, CliConsole console)
    {
        var split = o.Split.ToLowerInvariant() switch
        {
            "train" => DatasetSplit.Train,
            "test" => DatasetSplit.Test,
            _ => throw new BlindSpotsException($"--split '{o.Split}': expected train or test"),
        };
        if (o.Batch <= 0) throw new BlindSpotsException($"--batch must be a positive integer, got {o.Batch}");
        if (!File.Exists(o.Model)) throw new BlindSpotsException($"--model {o.Model}: no such file");
        if (o.Predictions != null) OutputPath.CheckFile("--predictions", o.Predictions);
        var data = DataLocator.Load(o.Data, split, o.Range);
        using var device = Device.Open(o.Device, o.Batch);
        using var model = ModelArgument.Load(device, o.Model, console.Error);
        // Same pixel count is not the same image: 14×56 digits must not pass for 28×28 ones.
        if (data.Channels != model.InputShape[0] || data.Height != model.InputShape[1] || data.Width != model.InputShape[2])
            throw new BlindSpotsException(
                $"--data {o.Data}: images of {data.Channels}×{data.Height}×{data.Width} do not fit the model's input {string.Join("×", model.InputShape)}");
        var result = Evaluator.Evaluate(model, data, o.Batch);
        if (o.Predictions != null)
            AtomicFile.Write(o.Predictions, s =>
            {
                using var w = new StreamWriter(s, new UTF8Encoding(false), leaveOpen: true) { NewLine = "\n" };
                foreach (int p in result.Predictions) w.WriteLine(p.ToString(CultureInfo.InvariantCulture));
            });
        if (o.Json)
            console.Out.WriteLine(JsonSerializer.Serialize(new
            {
                model = o.Model, data = o.Data, split = o.Split, range = o.Range, count = result.Count,
                errors = result.Errors, error_rate = result.ErrorRate, mean_loss = result.MeanLoss, device = device.Id,
            }));
        else
            console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{o.Model} on {o.Data} {o.Split}{(o.Range != null ? " " + o.Range : "")}: error {100 * result.ErrorRate:F2}% ({result.Errors}/{result.Count}), mean loss {result.MeanLoss:F4}"));
        return 0;
    }
}
