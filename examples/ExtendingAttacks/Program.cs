// Extends the library through its public API only: a custom layer with its own ILGPU kernel
// (TemperatureLayer, in a model of one's own, TemperedModel), a custom attack (BasicIterativeAttack,
// overriding Attack.Search) and a custom success criterion (ConfidentMisclassification), run
// through the library's attack plumbing on a few MNIST digits.
//
//   dotnet run -c Release --project examples/ExtendingAttacks -- [MODEL] [DIGITS_FOLDER] [DEVICE]
//
// Defaults as for AttackDigits: models/fc100-100-10.safetensors, data/sample, auto.
using System.Globalization;
using IlgpuBlindSpots.AttackDigits;
using IlgpuBlindSpots.ExtendingAttacks;
using IlgpuBlindSpots.Network;
using IlgpuBlindSpots.Network.Data;
using IlgpuBlindSpots.Network.ModelFiles;
using IlgpuBlindSpots.Optimizer.Attacks;

const int Digits = 16;
const float Temperature = 2f, Margin = 4f;
const double Epsilon = 0.1;

if (RepositoryRoot.Arguments(args, "ExtendingAttacks") is not (var modelPath, var digitsFolder, var deviceName)) return 2;

try
{
    using var device = ComputeDevice.Open(deviceName);
    using var plain = ModelFile.Load(device, modelPath);
    using var model = new TemperedModel(ModelFile.Load(device, modelPath), Temperature);
    var digits = Dataset.LoadDirectory(digitsFolder, DatasetSplit.Test).Slice(0, Digits);
    Console.WriteLine($"{model.Description} on {device.Description}: {Digits} digits of {digitsFolder}");

    // The custom layer's kernel against the host: the tempered logits are the plain ones over T.
    using var x = Tensor.FromArray(device, digits.Images, [Digits, .. model.InputShape]);
    float[] expected = plain.Logits(x).ToArray(), tempered = model.Logits(x).ToArray();
    double worst = expected.Zip(tempered, (e, t) => Math.Abs(e / Temperature - t)).Max();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"temperature layer: largest difference from logits / {Temperature} on the host {worst:G3}"));
    if (!(worst <= 1e-5 * expected.Max(Math.Abs)))
    {
        Console.Error.WriteLine("ExtendingAttacks: the temperature layer's kernel disagrees with the host");
        return 1;
    }

    var attack = new BasicIterativeAttack(Epsilon, steps: 10);
    var fooled = attack.Run(model, digits, new Misclassification());
    var confident = attack.Run(model, digits, new ConfidentMisclassification(Margin));
    int attacked = fooled.Count(r => !r.AlreadyMisclassified);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"basic iterative attack, ε = {Epsilon} (L∞): fooled {fooled.Count(r => r.Success)} of {attacked} attacked digits; " +
        $"by a logit margin of {Margin}: {confident.Count(r => r.Success)}"));
    // A margin is a stricter test of the same attempts: it can only lose successes.
    if (confident.Count(r => r.Success) > fooled.Count(r => r.Success))
    {
        Console.Error.WriteLine("ExtendingAttacks: the margin criterion accepted more attempts than plain misclassification");
        return 1;
    }
    return 0;
}
catch (BlindSpotsException e)
{
    Console.Error.WriteLine($"ExtendingAttacks: {e.Message}");
    return 2;
}
