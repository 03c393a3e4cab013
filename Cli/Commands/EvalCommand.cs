using System.Text;
using System.Text.Json;
using IlgpuBlindSpots.Network.Training;

namespace IlgpuBlindSpots.Cli.Commands;

internal static class EvalCommand
{
    public static int Run(EvalArguments o, CliConsole console)
    {
        ExampleSource.CheckSplit(o.Split);
        if (o.Batch <= 0) throw new BlindSpotsException($"--batch must be a positive integer, got {o.Batch}");
        if (!File.Exists(o.Model)) throw new BlindSpotsException($"--model {o.Model}: no such file");
        if (o.Predictions != null) OutputPath.CheckFile("--predictions", o.Predictions);
        using var device = ComputeDevice.Open(o.Device, o.Batch);
        using var model = ModelArgument.LoadClassifier(device, o.Model, console.Error);
        var examples = ExampleSource.LoadLabelled(o, model.InputShape, model.Classes, "eval");
        var data = examples.Set;
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
                $"{o.Model} on {examples.Source}{(o.Range != null ? " " + o.Range : "")}: error {100 * result.ErrorRate:F2}% ({result.Errors}/{result.Count}), mean loss {result.MeanLoss:F4}"));
        return 0;
    }
}
