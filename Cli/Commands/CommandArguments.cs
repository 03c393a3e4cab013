using CommandLine;

namespace IlgpuBlindSpots.Cli.Commands;

[Verb("devices", HelpText = "List the accelerators ILGPU sees, usable or not.")]
internal sealed class DevicesArguments;

[Verb("train", HelpText = "Train a model on MNIST-style data and save it as safetensors.")]
internal sealed class TrainArguments
{
    [Option("preset", HelpText = "A named model with its training defaults: fc10-1e-4, fc10-1e-2, fc10-1, fc100-100-10, fc200-200-10, ae400-10, conv-mnist.")]
    public string? Preset { get; set; }

    [Option("arch", HelpText = "Architecture spec, e.g. fc:100,sigmoid,fc:100,sigmoid,fc:10 (instead of or overriding --preset).")]
    public string? Arch { get; set; }

    [Option("data", Default = "mnist", HelpText = "mnist, fashion-mnist, sample, or a folder with the four IDX files.")]
    public string Data { get; set; } = "mnist";

    [Option("range", HelpText = "START:COUNT, the training examples to use (default: all).")]
    public string? Range { get; set; }

    [Option("epochs")] public int? Epochs { get; set; }
    [Option("batch")] public int? Batch { get; set; }
    [Option("lr", HelpText = "Learning rate.")] public double? LearningRate { get; set; }
    [Option("momentum", HelpText = "SGD momentum.")] public double? Momentum { get; set; }
    [Option("optimizer", HelpText = "sgd or adam.")] public string? Optimizer { get; set; }
    [Option("schedule", HelpText = "constant, cosine or step.")] public string? Schedule { get; set; }

    [Option("weight-decay", HelpText = "λ for every weight matrix, or a comma list with one λ per parameterised layer.")]
    public string? WeightDecay { get; set; }

    [Option("seed")] public int? Seed { get; set; }
    [Option("device", Default = "auto", HelpText = DeviceOptionHelp.OneDevice)] public string Device { get; set; } = "auto";

    [Option("out", Required = true, HelpText = "Where to write the model (.safetensors); its checkpoint goes beside it.")]
    public string Out { get; set; } = "";

    [Option("resume", HelpText = "Continue the interrupted run whose checkpoint is beside --out.")]
    public bool Resume { get; set; }

    [Option("init", HelpText = "Start from this model file's weights (.safetensors) instead of random ones: fine-tuning. Its architecture is used; --arch, if given, must be the same.")]
    public string? Init { get; set; }

    [Option("adversarial", HelpText = "Adversarial training (paper §4.2): mix a pool of L-BFGS adversarial examples, regenerated against the model as it trains, into every batch.")]
    public bool Adversarial { get; set; }

    [Option("pool-size", HelpText = "--adversarial: adversarial examples in the pool (default 2000).")]
    public int? PoolSize { get; set; }

    [Option("pool-refresh", HelpText = "--adversarial: COUNT/BATCHES, attack COUNT training examples every BATCHES batches and put the successes into the pool (default 100/40).")]
    public string? PoolRefresh { get; set; }

    [Option("pool-share", HelpText = "--adversarial: fraction of each batch drawn from the pool (default 0.25).")]
    public double? PoolShare { get; set; }

    [Option("pool-target", HelpText = "--adversarial: random (a class other than the label, per example), next ((y+1) mod classes) or any (untargeted: the nearest boundary) (default random).")]
    public string? PoolTarget { get; set; }

    [Option("pool-layers", HelpText = "--adversarial: where pools of adversarial examples are kept: input (the default), all (the input and every sigmoid hidden layer's output, each pool training the layers above it, as in the paper), or positions k separated by commas (0: the input; k: the output of the first k layers).")]
    public string? PoolLayers { get; set; }

    [Option("pool-max-distortion", HelpText = "--adversarial: leave out successful attacks whose RMS distortion exceeds this (default: keep all).")]
    public double? PoolMaxDistortion { get; set; }

    [Option("pool-search", HelpText = "--adversarial: ROUNDS/STEPS, the cap on the attack that makes pool examples: at most ROUNDS rounds of the search for c, each solve at most STEPS L-BFGS steps (default 8/20).")]
    public string? PoolSearch { get; set; }

    [Option("json", HelpText = "Print a machine-readable summary on stdout.")]
    public bool Json { get; set; }
}

[Verb("eval", HelpText = "Evaluate a model file on a data set: error rate and mean loss.")]
internal sealed class EvalArguments : ExamplesArguments
{
    [Option("batch", Default = 1000)] public int Batch { get; set; } = 1000;
    [Option("device", Default = "auto", HelpText = DeviceOptionHelp.OneDevice)] public string Device { get; set; } = "auto";
    [Option("json")] public bool Json { get; set; }
    [Option("predictions", HelpText = "Also write the predicted class of every example to this file, one per line, in data order.")]
    public string? Predictions { get; set; }
}

[Verb("demo", HelpText = "Offline demo: the bundled fc100-100-10 evaluated on the bundled 1,000 MNIST test digits, and 100 of them attacked; writes out/demo/.")]
internal sealed class DemoArguments
{
    [Option("out", Default = "out/demo", HelpText = "Folder for the report and the grid of misclassified digits.")]
    public string Out { get; set; } = "out/demo";
    [Option("examples", Default = 100, HelpText = "How many of the bundled digits to attack.")] public int Examples { get; set; } = 100;

    [Option("device", Default = "auto", HelpText = DeviceOptionHelp.OneDevice)] public string Device { get; set; } = "auto";
}

[Verb("attack", HelpText = "Find minimal adversarial perturbations for a batch of inputs; writes results, report, images and plots.")]
internal sealed class AttackArguments : ExamplesArguments
{
    [Option("target", Default = "next", HelpText = "next (y+1 mod classes), random, all (every other class, smallest kept), untargeted, or a class number.")]
    public string Target { get; set; } = "next";
    [Option("method", Default = "lbfgs", HelpText = "lbfgs (the paper's minimal perturbation), cw (Carlini-Wagner L2), ddn, fmn (L2, or L∞ with --norm linf), best (per example the smallest of --methods), noise, fgsm, pgd-linf or pgd-l2.")]
    public string Method { get; set; } = "lbfgs";
    [Option("epsilon", HelpText = "fgsm/pgd: the size of the perturbation (L∞ or L2).")] public double? Epsilon { get; set; }
    [Option("stddev", HelpText = "noise: the Gaussian noise's standard deviation.")] public double? StdDev { get; set; }
    [Option("steps", HelpText = "Steps: pgd 40, cw 1000 per binary step, ddn 100, fmn 100.")] public int? Steps { get; set; }
    [Option("step-size", HelpText = "Step size: cw Adam's learning rate 0.01; ddn and fmn the first step 1 (L2, cosine-annealed to 1/100 of it); pgd 2.5·ε/steps.")]
    public double? StepSize { get; set; }
    [Option("gamma", HelpText = "ddn/fmn: γ, the relative change of the norm per step (0.05).")] public double? Gamma { get; set; }
    [Option("init-norm", HelpText = "ddn: the first norm ε₀ (1, L2).")] public double? InitNorm { get; set; }
    [Option("binary-steps", HelpText = "cw: rounds of the binary search over c (9).")] public int? BinarySteps { get; set; }
    [Option("initial-const", HelpText = "cw: the first weight c (0.001).")] public double? InitialConst { get; set; }
    [Option("confidence", HelpText = "cw, lbfgs --loss margin: κ, the margin past the boundary (0).")] public double? Confidence { get; set; }
    [Option("no-abort-early", HelpText = "cw: run every step of every binary step.")] public bool NoAbortEarly { get; set; }
    [Option("start", HelpText = "fmn: where FMN starts: auto (ddn; input for a linf target), ddn, deepfool (3 passes instead of 40, a slightly larger result), or input (as published).")] public string? Start { get; set; }
    [Option("init-steps", HelpText = "fmn: steps of the start attack (deepfool 3, ddn 30; 0: from the input, as published).")] public int? InitSteps { get; set; }
    [Option("final-bisection-steps", HelpText = "fmn: halvings of a last bisection to the boundary after FMN's steps (10; 0: none).")] public int? FinalBisectionSteps { get; set; }
    [Option("bisection-steps", HelpText = "fmn after the ddn start, and lbfgs --refine: halvings of the bisection to the boundary (10).")] public int? BisectionSteps { get; set; }
    [Option("norm", HelpText = "fmn: the norm minimised, l2 (the default) or linf.")] public string? Norm { get; set; }
    [Option("loss", Default = "ce", HelpText = "lbfgs: ce (the paper's cross-entropy) or margin (C&W's margin on the logits).")] public string Loss { get; set; } = "ce";
    [Option("refine", HelpText = "lbfgs: FMN steps after the bisection that refine each success (0: no refinement).")] public int? Refine { get; set; }
    [Option("methods", HelpText = "best: the attacks to run, comma-separated, each NAME or NAME:STEPS (lbfgs, lbfgs-refined, lbfgs-margin, cw, ddn, fmn, fmn-deepfool, fmn-published).")] public string? Methods { get; set; }
    [Option("tolerance", Default = 0.05, HelpText = "lbfgs: relative tolerance of the search for the weight c.")] public double Tolerance { get; set; } = 0.05;
    [Option("seed", Default = 1, HelpText = "Seed of random targets, noise and PGD's random start.")] public int Seed { get; set; } = 1;
    [Option("batch", HelpText = "Examples attacked together on a device (default: per device: a GPU the whole run, as far as its memory holds it; 256 on an OpenCL CPU device, 1024 on the CPU accelerator, their fastest measured).")]
    public int? Batch { get; set; }
    [Option("device", Default = "auto", HelpText = "auto, cpu, cuda[:i], opencl[:i], or a comma list (cuda:0,cuda:1) to split the work.")]
    public string Device { get; set; } = "auto";
    [Option("out", Required = true, HelpText = "Output folder.")] public string Out { get; set; } = "";
    [Option("resume", HelpText = "Continue the interrupted run in --out.")] public bool Resume { get; set; }
    [Option("shard", HelpText = "i/N: attack only slice i of N (or auto/N: the task's place in its Slurm array, (ID − MIN) / STEP, or JOB_COMPLETION_INDEX; N must be the array's size).")]
    public string? Shard { get; set; }
}

[Verb("merge", HelpText = "Join the output folders of attack shards into one report.")]
internal sealed class MergeArguments
{
    [Value(0, MetaName = "SHARD_DIRS", HelpText = "The shards' --out folders.")] public IEnumerable<string> Shards { get; set; } = [];
    [Option("out", Required = true, HelpText = "Folder for the merged results and report.")] public string Out { get; set; } = "";
}

[Verb("stability", HelpText = "Upper Lipschitz bound of every layer and of the whole network (the paper's Table 5).")]
internal sealed class StabilityArguments
{
    [Option("model", HelpText = "The model (.safetensors or .onnx).")] public string? Model { get; set; }
    [Option("arch", HelpText = "Instead of --model: an architecture spec with random weights (PyTorch's default initialisation), e.g. an AlexNet-shaped net.")] public string? Arch { get; set; }
    [Option("input", Default = "3x224x224", HelpText = "With --arch: the input shape CxHxW.")] public string Input { get; set; } = "3x224x224";
    [Option("seed", Default = 1, HelpText = "With --arch: seed of the random weights.")] public int Seed { get; set; } = 1;
    [Option("tolerance", Default = 1e-6, HelpText = "Relative change at which power iteration stops.")] public double Tolerance { get; set; } = 1e-6;
    [Option("device", Default = "auto", HelpText = DeviceOptionHelp.OneDevice)] public string Device { get; set; } = "auto";
    [Option("out", HelpText = "Also write the table as markdown to this file.")] public string? Out { get; set; }
}

[Verb("transfer", HelpText = "Error rates that adversarial sets (attack outputs) induce on models, with Gaussian-noise and amplified rows (the paper's Tables 2 and 4).")]
internal sealed class TransferArguments
{
    [Option("sets", Required = true, Separator = ',', HelpText = "Attack output folders (finished, or merged shards), comma-separated: the rows.")]
    public IEnumerable<string> Sets { get; set; } = [];
    [Option("models", Required = true, Separator = ',', HelpText = "Model files, comma-separated: the columns.")]
    public IEnumerable<string> Models { get; set; } = [];
    [Option("noise", HelpText = "Standard deviations of Gaussian-noise rows on the first set's clean inputs, e.g. 0.1,0.3.")]
    public string? Noise { get; set; }
    [Option("amplify", HelpText = "Add, per set, a row with its perturbations multiplied by one factor that brings the set's mean distortion to this value (e.g. 0.1), clipped into [0, 1].")]
    public string? Amplify { get; set; }
    [Option("seed", Default = 1, HelpText = "Seed of the noise rows.")] public int Seed { get; set; } = 1;
    [Option("batch", Default = 1000, HelpText = "Examples per forward pass.")] public int Batch { get; set; } = 1000;
    [Option("title", Default = "Transfer of adversarial examples", HelpText = "Title of the tables and the heat map.")]
    public string Title { get; set; } = "Transfer of adversarial examples";
    [Option("device", Default = "auto", HelpText = DeviceOptionHelp.OneDevice)] public string Device { get; set; } = "auto";
    [Option("out", Required = true, HelpText = "Folder for transfer.md, transfer.csv, transfer.json and transfer.png.")] public string Out { get; set; } = "";
}

[Verb("reproduce", HelpText = "The paper's MNIST experiments end to end (Tables 1–4): train or reuse the models, attack them, transfer, and write REPORT.md beside the paper's numbers.")]
internal sealed class ReproduceArguments
{
    [Option("quick", HelpText = "The quick profile (the default): subsets and few epochs, minutes on a 2-core CPU.")] public bool Quick { get; set; }
    [Option("full", HelpText = "The full profile: the paper's sizes.")] public bool Full { get; set; }
    [Option("profile", HelpText = "quick, full, or tiny (seconds; a smoke test of the pipeline).")] public string? Profile { get; set; }
    [Option("data", Default = "mnist", HelpText = "mnist, fashion-mnist, or a folder with the four IDX files.")] public string Data { get; set; } = "mnist";
    [Option("models", HelpText = "A folder of trained models to reuse when their training record matches the profile's recipe (e.g. models).")]
    public string? Models { get; set; }
    [Option("max-epochs", HelpText = "Cap every model's epochs (the report says so).")] public int? MaxEpochs { get; set; }
    [Option("seed", Default = 1, HelpText = "Seed of the noise rows.")] public int Seed { get; set; } = 1;
    [Option("device", Default = "auto", HelpText = DeviceOptionHelp.OneDevice)] public string Device { get; set; } = "auto";
    [Option("out", HelpText = "Output folder (default out/reproduce-PROFILE-DATA); run again with the same folder to resume.")] public string? Out { get; set; }
}
