// Attacks a few MNIST digits through the library's public API: the paper's minimal-perturbation
// L-BFGS attack towards the next class, then one FGSM step, and prints each example's outcome.
//
//   dotnet run -c Release --project examples/AttackDigits -- [MODEL] [DIGITS_FOLDER] [DEVICE]
//
// MODEL defaults to models/fc100-100-10.safetensors (an .onnx file works too), DIGITS_FOLDER to
// data/sample (IDX files t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz]), both in
// the repository; DEVICE to auto (CUDA, else OpenCL, else the CPU accelerator).
using System.Globalization;
using IlgpuBlindSpots.AttackDigits;
using IlgpuBlindSpots.Network;
using IlgpuBlindSpots.Network.Data;
using IlgpuBlindSpots.Network.ModelFiles;
using IlgpuBlindSpots.Optimizer.Attacks;

const int Digits = 8;
const double FgsmEpsilon = 0.1;

if (RepositoryRoot.Arguments(args, "AttackDigits") is not (var modelPath, var digitsFolder, var deviceName)) return 2;

try
{
    using var device = ComputeDevice.Open(deviceName);
    using var model = ModelFile.Load(device, modelPath);
    var digits = Dataset.LoadDirectory(digitsFolder, DatasetSplit.Test).Slice(0, Digits);
    Console.WriteLine($"{model.Description} on {device.Description}: {Digits} digits of {digitsFolder}");
    Console.WriteLine("distortion: √(Σr²/n), the paper's measure; L∞: the largest change of a pixel (pixels in [0, 1])");

    // The paper's attack: for each digit, the smallest perturbation found that makes the model say (label + 1) mod 10.
    Print("L-BFGS", "target (label + 1) mod 10", new LbfgsAttack().Run(model, digits, new NextClass()));
    // One signed-gradient step of ε in every pixel, away from the label.
    Print("FGSM", $"ε = {FgsmEpsilon}, any wrong class", new FgsmAttack(FgsmEpsilon).Run(model, digits, new Misclassification()));
    return 0;
}
catch (BlindSpotsException e)
{
    // Every problem a user can fix (a missing file, a bad device name, data that does not fit the model) is one line.
    Console.Error.WriteLine($"AttackDigits: {e.Message}");
    return 2;
}

static void Print(string attack, string goal, IReadOnlyList<AttackResult> results)
{
    Console.WriteLine();
    Console.WriteLine($"{attack}, {goal}");
    Console.WriteLine($"{"#",2} {"label",5} {"target",6} {"success",7} {"distortion",10} {"L∞",6}  {"stop",-16} solver stop");
    foreach (var r in results)
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{r.Index,2} {r.Label,5} {Target(r),6} {(r.Success ? "yes" : "no"),7} {r.Distortion.Rms,10:F4} {r.Distortion.LInf,6:F3}  {r.Stop,-16} {r.SolverStop?.ToString() ?? "-"}"));
    int attacked = results.Count(r => !r.AlreadyMisclassified);
    Console.WriteLine($"{attack} fooled {results.Count(r => r.Success)} of {attacked} attacked digits");
}

// An input the model already gets wrong is not attacked and has no target; −1 means any wrong class.
static string Target(AttackResult r) =>
    r.AlreadyMisclassified ? "-" : r.Target < 0 ? "any" : r.Target.ToString(CultureInfo.InvariantCulture);
