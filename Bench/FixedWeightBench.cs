using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ILGPU;
using IlgpuBlindSpots.Network;
using IlgpuBlindSpots.Network.Data;
using IlgpuBlindSpots.Network.Layers;
using IlgpuBlindSpots.Network.ModelFiles;
using IlgpuBlindSpots.Network.Models;
using IlgpuBlindSpots.Optimizer;
using IlgpuBlindSpots.Optimizer.Attacks;
using Spectre.Console;

namespace IlgpuBlindSpots.Bench;

/// <summary>
/// `fixed-c`: one solve of the attack objective c·‖x′ − x‖² + CE(f(x′), target) per problem for a
/// fixed weight c, from x′ = x, every problem in one <see cref="ProjectedLbfgs"/> batch, on the first
/// MNIST test digits the model classifies correctly, target (y + 1) mod 10. It writes what
/// scripts/lbfgs_fixed_c_vs_scipy.py needs to hold the solver to SciPy's L-BFGS-B on the same
/// problems: each problem's c, the objective reached (as the solver reports it, and recomputed in
/// float64 on the host from the final x′), the final x′ itself, and the device's value and gradient
/// at the start point and at the solution, which the script compares with its own float64 objective.
/// </summary>
/// <remarks>
/// c is either one value for all problems (<c>--c</c>) or, with <c>--c-from-attack</c>, the weight
/// the attack's own c-search settles on for each digit: there the minimiser from x sits near the
/// decision boundary, where a solver that stops early or in another basin shows most.
/// The solver runs with <see cref="LbfgsOptions"/>' defaults (SciPy's m, pgtol and factr), or with
/// <c>--solver attack</c> the attack's per-solve settings (<see cref="LbfgsAttackOptions.Solver"/>).
/// </remarks>
internal static class FixedWeightBench
{
    public sealed record Problem(int Index, int Label, int Target, double C, double Value, double ValueFloat64,
        int Iterations, int Evaluations, string Stop, double ProjectedGradientNorm, int Prediction, bool Adversarial,
        double StartValue, float[] StartGradient, double FinalValue, float[] FinalGradient, float[] Solution);

    public static int Run(string deviceSpec, string modelPath, string dataRoot, int count, double? fixedWeight,
        string solverName, string jsonPath)
    {
        if (count < 1) return Usage($"--count {count}: must be at least 1");
        if (fixedWeight is { } w && !(w > 0 && double.IsFinite(w))) return Usage($"--c {w}: must be positive and finite");
        LbfgsOptions? options = solverName switch
        {
            "default" => new LbfgsOptions(),
            "attack" => new LbfgsAttackOptions().Solver,
            _ => null,
        };
        if (options is null) return Usage($"--solver {solverName}: expected default or attack");

        var test = Directory.Exists(Path.Combine(dataRoot, "mnist"))
            ? Dataset.Load("mnist", DatasetSplit.Test, dataRoot)
            : Dataset.Load("sample", DatasetSplit.Test, dataRoot);
        using var device = ComputeDevice.Open(deviceSpec);
        using var model = ModelFile.Load(device, modelPath);
        using var loss = new AttackLoss(model);
        int n = model.InputLength, classes = model.Classes;
        if (n != test.ImageSize)
            throw new BlindSpotsException($"{modelPath}: expects {n} input values, the data has {test.ImageSize}");

        var (indices, originals, labels) = CorrectlyClassified(test, loss, count);
        var targets = labels.Select(y => (y + 1) % classes).ToArray();
        int problems = indices.Length;

        // Weights as the device holds them (float32), so that the script minimises the same function.
        float[] weights;
        string weightSource;
        if (fixedWeight is { } c)
        {
            weights = Enumerable.Repeat((float)c, problems).ToArray();
            weightSource = $"fixed {c.ToString(CultureInfo.InvariantCulture)}";
        }
        else
        {
            weights = AttackWeights(model, originals, labels, targets);
            weightSource = "each digit's c from the L-BFGS attack's search (default options)";
        }

        using var objective = new AdversarialObjective(loss, compactRunning: device.Kind == DeviceKind.Cpu);
        objective.Load(originals, weights, labels, targets, untargeted: false);
        using var x = Tensor.FromArray(device, (float[])originals.Clone(), [problems, .. model.InputShape]);
        using var value = Tensor.Allocate(device, problems);
        using var gradient = Tensor.Allocate(device, [problems, .. model.InputShape]);

        objective.Evaluate(x, value, gradient, ArrayView<int>.Empty);
        float[] startValues = value.ToArray(), startGradients = gradient.ToArray();

        var clock = Stopwatch.StartNew();
        using var solver = new ProjectedLbfgs(device, options);
        var result = solver.Minimize(objective, x, 0f, 1f);
        double seconds = clock.Elapsed.TotalSeconds;

        float[] solutions = x.ToArray();
        int[] predictions = loss.Predict(x);
        objective.Evaluate(x, value, gradient, ArrayView<int>.Empty);
        float[] finalValues = value.ToArray(), finalGradients = gradient.ToArray();

        var reference = new HostMlp(model.AsChain("the fixed-weight bench"));
        var rows = new List<Problem>();
        var table = new Table().AddColumns("digit", "y", "t", "c", "f solver", "f float64", "iter", "eval", "stop", "is t");
        for (int p = 0; p < problems; p++)
        {
            var original = originals.AsSpan(p * n, n);
            var solution = solutions.AsSpan(p * n, n);
            double f64 = reference.Objective(original, solution, weights[p], targets[p]);
            var row = new Problem(indices[p], labels[p], targets[p], weights[p], result.Values[p], f64,
                result.Iterations[p], result.Evaluations[p], result.Reasons[p].ToString(), result.ProjectedGradientNorms[p],
                predictions[p], predictions[p] == targets[p],
                startValues[p], startGradients.AsSpan(p * n, n).ToArray(),
                finalValues[p], finalGradients.AsSpan(p * n, n).ToArray(), solution.ToArray());
            rows.Add(row);
            table.AddRow($"{row.Index}", $"{row.Label}", $"{row.Target}", $"{row.C:G4}", $"{row.Value:F6}", $"{row.ValueFloat64:F6}",
                $"{row.Iterations}", $"{row.Evaluations}", Short(result.Reasons[p]), row.Adversarial ? "yes" : "no");
        }

        AnsiConsole.MarkupLine($"[bold]fixed-c[/] {Markup.Escape(modelPath)} on {Markup.Escape(test.Source)}, {Markup.Escape(device.Description)}");
        AnsiConsole.MarkupLine($"c: {Markup.Escape(weightSource)}; solver: {Markup.Escape(solverName)} ({Markup.Escape(options.ToString())})");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"{problems} problems in one batch, {seconds:F2} s, {result.Rounds} rounds; " +
                               $"{rows.Count(r => r.Adversarial)} of {problems} end classified as the target");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(jsonPath))!);
        File.WriteAllText(jsonPath, JsonSerializer.Serialize(new
        {
            device = device.Description, model = modelPath, data = test.Source, date = DateTime.UtcNow.ToString("u"),
            weights = weightSource, solver = solverName,
            options = new
            {
                memory = options.Memory, max_iterations = options.MaxIterations, pgtol = options.ProjectedGradientTolerance,
                relative_reduction = options.RelativeReductionTolerance, max_line_search_steps = options.MaxLineSearchSteps,
            },
            seconds, rounds = result.Rounds, problems = rows,
        }, new JsonSerializerOptions { WriteIndented = false, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
        AnsiConsole.MarkupLine($"wrote {Markup.Escape(jsonPath)}");
        return 0;
    }

    /// <summary>The first <paramref name="count"/> digits of the data set the model gets right, in order.</summary>
    private static (int[] Indices, float[] Originals, int[] Labels) CorrectlyClassified(Dataset data, AttackLoss loss, int count)
    {
        int n = data.ImageSize;
        var indices = new List<int>();
        const int chunk = 64;
        for (int start = 0; start < data.Count && indices.Count < count; start += chunk)
        {
            int b = Math.Min(chunk, data.Count - start);
            using var x = Tensor.FromArray(loss.Device, data.Images.AsSpan(start * n, b * n).ToArray(),
                [b, data.Channels, data.Height, data.Width]);
            int[] predictions = loss.Predict(x);
            for (int i = 0; i < b && indices.Count < count; i++)
                if (predictions[i] == data.Labels[start + i]) indices.Add(start + i);
        }
        if (indices.Count < count)
            throw new BlindSpotsException($"{data.Source}: only {indices.Count} digits are classified correctly, {count} asked for");
        var originals = new float[count * n];
        for (int p = 0; p < count; p++) data.Image(indices[p]).CopyTo(originals.AsSpan(p * n, n));
        return (indices.ToArray(), originals, indices.Select(i => data.Labels[i]).ToArray());
    }

    /// <summary>Each digit's weight c as the full attack (default options) finds it; a digit it could not attack falls back to c = 1.</summary>
    private static float[] AttackWeights(Model model, float[] originals, int[] labels, int[] targets)
    {
        int problems = labels.Length;
        using var x = Tensor.FromArray(model.Device, (float[])originals.Clone(), [problems, .. model.InputShape]);
        var attack = new LbfgsAttack(new LbfgsAttackOptions { BatchSize = problems });
        var results = attack.Run(model, x, labels, new TargetedMisclassification(targets));
        return results.Select(r => r.Success && double.IsFinite(r.Weight) ? (float)r.Weight : 1f).ToArray();
    }

    private static string Short(StopReason reason) => reason switch
    {
        StopReason.Converged => "pgtol",
        StopReason.RelativeReductionBelowTolerance => "factr",
        StopReason.MaxIterations => "maxiter",
        StopReason.LineSearchFailed => "line search",
        _ => reason.ToString(),
    };

    private static int Usage(string message)
    {
        Console.Error.WriteLine($"fixed-c: {message}");
        return 2;
    }

    /// <summary>
    /// The model in float64 on the host, for fully connected networks (dense layers and element-wise
    /// activations): the objective recomputed without the device's float32 rounding.
    /// </summary>
    private sealed class HostMlp
    {
        private readonly List<Func<double[], double[]>> layers = [];

        public HostMlp(SequentialModel model)
        {
            foreach (var layer in model.Layers)
            {
                switch (layer)
                {
                    case DenseLayer d:
                        double[] w = d.Weight.Value.ToArray().Select(v => (double)v).ToArray();
                        double[] b = d.Bias.Value.ToArray().Select(v => (double)v).ToArray();
                        int inputs = d.InFeatures, outputs = d.OutFeatures;
                        layers.Add(a =>
                        {
                            var y = new double[outputs];
                            for (int o = 0; o < outputs; o++)
                            {
                                double s = b[o];
                                for (int k = 0; k < inputs; k++) s += w[o * inputs + k] * a[k];
                                y[o] = s;
                            }
                            return y;
                        });
                        break;
                    case ActivationLayer { Kind: ActivationKind.Sigmoid }:
                        layers.Add(a => a.Select(v => 1.0 / (1.0 + Math.Exp(-v))).ToArray());
                        break;
                    case ActivationLayer { Kind: ActivationKind.Relu }:
                        layers.Add(a => a.Select(v => Math.Max(v, 0.0)).ToArray());
                        break;
                    case ActivationLayer { Kind: ActivationKind.Tanh }:
                        layers.Add(a => a.Select(Math.Tanh).ToArray());
                        break;
                    default:
                        throw new BlindSpotsException(
                            $"fixed-c recomputes the objective in float64 for fully connected models only; layer {layer.Spec} is not supported");
                }
            }
        }

        /// <summary>c·‖x′ − x‖² + CE(logits(x′), target) in nats, all in float64.</summary>
        public double Objective(ReadOnlySpan<float> original, ReadOnlySpan<float> adversarial, double c, int target)
        {
            double[] a = new double[adversarial.Length];
            double distance = 0;
            for (int k = 0; k < a.Length; k++)
            {
                a[k] = adversarial[k];
                double r = (double)adversarial[k] - original[k];
                distance += r * r;
            }
            foreach (var layer in layers) a = layer(a);
            double max = a.Max();
            double logSumExp = max + Math.Log(a.Sum(z => Math.Exp(z - max)));
            return c * distance + (logSumExp - a[target]);
        }
    }
}
