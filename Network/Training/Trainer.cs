using System.Diagnostics;
using System.Globalization;
using ILGPU;
using ILGPU.Runtime;
using IlgpuBlindSpots.Kernels;
using IlgpuBlindSpots.Network.Data;
using IlgpuBlindSpots.Network.Layers;
using IlgpuBlindSpots.Network.ModelFiles;
using IlgpuBlindSpots.Network.Models;

namespace IlgpuBlindSpots.Network.Training;

/// <summary>
/// Minibatch training of a <see cref="SequentialModel"/> on a labelled data set: mean
/// cross-entropy plus L2 weight decay on the weights (<see cref="WeightDecayConvention"/>), SGD
/// with momentum or Adam, a learning-rate schedule, dropout through training mode, and optionally
/// a share of every batch drawn from an <see cref="IExamplePool"/> (adversarial training).
/// </summary>
/// <remarks>
/// The data set is uploaded once. Each epoch's order is a permutation drawn on the host from the
/// seed and the epoch number (so the random state of a run is just the epoch it is at) and uploaded
/// once; every batch is gathered on the device. Nothing is read back per batch except, a few times
/// a second for progress, the running loss total and the predictions made since the last report.
/// Same options, data and device: the same model bit for bit, interrupted and resumed or not.
/// </remarks>
public sealed class Trainer : IDisposable
{
    private static readonly TimeSpan ReportInterval = TimeSpan.FromMilliseconds(250);

    private readonly ComputeDevice device;
    private readonly Model model;
    private readonly TrainingOptions options;
    private readonly DeviceDataset data;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> permutation, predictions;
    private readonly IExamplePool? pool;
    private readonly List<(IExamplePool Pool, SequentialModel Above)> hiddenPools = [];
    private readonly BatchAssembler batches;
    private readonly MemoryBuffer1D<double, Stride1D.Dense> partials, lossTotal, penalty;
    private readonly List<(Parameter Parameter, float Lambda, Tensor[] State)> parameters = [];
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<int>, int> argMax;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<double>> sumPartials;
    private readonly Action<Index1D, WorkSplit, ArrayView<double>, ArrayView<double>, int, double, int> finishSum;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<double>, float> addDecay;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float> sgd;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float> reconstruction;
    private readonly LayerBuffer reconstructionLoss = new(), reconstructionGradient = new();
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, float, float> adam;

    /// <summary>Prepares training: uploads <paramref name="train"/> and allocates the optimizer's state.</summary>
    /// <param name="model">Trained in place; initialise it first (or load a checkpoint with <see cref="Resume"/>).</param>
    /// <param name="train">The labelled examples to train on.</param>
    /// <param name="options">The run's options, validated here.</param>
    /// <exception cref="BlindSpotsException">The options are out of range, or the data does not fit the model.</exception>
    /// <param name="pool">Extra examples mixed into every batch; required exactly when <see cref="TrainingOptions.PoolShare"/> is above 0.</param>
    public Trainer(Model model, Dataset train, TrainingOptions options, IExamplePool? pool = null)
        : this(model, train, options, pool == null ? [] : [pool])
    {
    }

    /// <summary>
    /// Prepares training with several pools, at most one per layer (<see cref="IExamplePool.Layer"/>):
    /// a pool of layer 0 is mixed into every batch; one of layer k &gt; 0 adds, to every step, as
    /// many of its examples as a batch takes from a pool, through the layers above k
    /// (<see cref="SequentialModel.Above"/>), each row weighted as one row of the batch.
    /// </summary>
    /// <param name="model">Trained in place; initialise it first (or load a checkpoint with <see cref="Resume"/>).</param>
    /// <param name="train">The labelled examples to train on.</param>
    /// <param name="options">The run's options, validated here.</param>
    /// <param name="pools">The pools; not empty exactly when <see cref="TrainingOptions.PoolShare"/> is above 0.</param>
    /// <exception cref="BlindSpotsException">The options are out of range, or the data does not fit the model.</exception>
    public Trainer(Model model, Dataset train, TrainingOptions options, IReadOnlyList<IExamplePool> pools)
    {
        ArgumentNullException.ThrowIfNull(pools);
        options.Validate();
        if ((pools.Count > 0) != (options.PoolShare > 0))
            throw new ArgumentException($"a pool of examples goes with a pool share above 0 (share {options.PoolShare}, {pools.Count} pools given)", nameof(pools));
        if (pools.Select(p => p.Layer).Distinct().Count() != pools.Count)
            throw new ArgumentException("at most one pool per layer", nameof(pools));
        foreach (var p in pools)
        {
            int width = p.Layer == 0 ? model.InputLength
                : p.Layer < model.AsChain("a pool of hidden-layer examples").Layers.Count ? model.AsChain("a pool of hidden-layer examples").ShapeAfter(p.Layer).Aggregate(1, (a, b) => a * b) : -1;
            if (p.Images.Device != model.Device || p.Images.RowLength != width)
                throw new ArgumentException($"the pool of layer {p.Layer} ({Tensor.Format(p.Images.Shape)} on {p.Images.Device.Id}) does not fit the model's layer on {model.Device.Id}", nameof(pools));
        }
        var pool = pools.FirstOrDefault(p => p.Layer == 0);
        if (train.Count == 0) throw new BlindSpotsException($"{train.Source}: no examples to train on");
        if (train.ImageSize != model.InputLength)
            throw new BlindSpotsException(
                $"{train.Source}: images of {train.Channels}x{train.Height}x{train.Width} do not fit the model's input {string.Join("x", model.InputShape)}");
        if (options.Objective == TrainingObjective.Reconstruction && model.Classes != model.InputLength)
            throw new BlindSpotsException(
                $"an autoencoder must output as many values as its input has ({model.InputLength}), this model gives {model.Classes}");
        if (options.Objective == TrainingObjective.Classification && model.Classes < train.Classes)
            throw new BlindSpotsException($"{train.Source}: has {train.Classes} classes but the model gives only {model.Classes} logits");
        device = model.Device;
        this.model = model;
        this.options = options;
        this.pool = pool;
        foreach (var p in pools.Where(p => p.Layer > 0).OrderBy(p => p.Layer)) hiddenPools.Add((p, model.AsChain("a pool of hidden-layer examples").Above(p.Layer)));
        var layers = ModelFile.ParameterisedLayers(model);
        for (int i = 0; i < layers.Count; i++)
        {
            float lambda = (float)WeightDecayConvention.Coefficient(options.WeightDecayOf(i, layers.Count));
            foreach (var p in layers[i].Parameters)
            {
                int states = options.Optimizer == OptimizerKind.Adam ? 2 : 1;
                var state = Enumerable.Range(0, states).Select(_ => Tensor.Zeros(device, p.Value.Shape.ToArray())).ToArray();
                parameters.Add((p, p.Decays ? lambda : 0f, state));
            }
        }
        data = new DeviceDataset(device, train);
        int n = train.Count, b = Math.Min(options.BatchSize, n);
        permutation = device.Accelerator.Allocate1D<int>(n);
        predictions = device.Accelerator.Allocate1D<int>(n);
        batches = new BatchAssembler(device, model.InputShape, b + options.PoolRowsPerBatch, options.PoolRowsPerBatch);
        int maxThreads = Math.Max(device.ReductionSplit(b).Threads,
            parameters.Count == 0 ? 1 : parameters.Max(p => device.ReductionSplit(p.Parameter.Value.Length).Threads));
        partials = device.Accelerator.Allocate1D<double>(maxThreads);
        lossTotal = device.Accelerator.Allocate1D<double>(1);
        penalty = device.Accelerator.Allocate1D<double>(1);
        argMax = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<int>, int>(VectorOps.ArgMax);
        sumPartials = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<double>>(VectorOps.SumPartials);
        finishSum = device.KernelCache.Load<WorkSplit, ArrayView<double>, ArrayView<double>, int, double, int>(VectorOps.FinishSum);
        addDecay = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<double>, float>(WeightDecay.AddGradient);
        sgd = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float>(ParameterUpdate.SgdMomentum);
        adam = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, float, float>(ParameterUpdate.Adam);
        reconstruction = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float>(Reconstruction.SigmoidCrossEntropy);
    }

    /// <summary>Epochs finished so far (restored by <see cref="Resume"/>).</summary>
    public int EpochsDone { get; private set; }

    /// <summary>Optimizer steps (batches) taken so far.</summary>
    public long Steps { get; private set; }

    /// <summary>Batches per epoch (each takes <see cref="TrainingOptions.DataRowsPerBatch"/> training examples).</summary>
    public int BatchesPerEpoch => (data.Count + options.DataRowsPerBatch - 1) / options.DataRowsPerBatch;

    /// <summary>
    /// Trains the remaining epochs. After each epoch, when <paramref name="checkpointPath"/> is
    /// given, writes a checkpoint there atomically (model, optimizer state, epoch, step count,
    /// dropout counters). <paramref name="cancel"/> is checked between batches; a cancelled run
    /// throws <see cref="OperationCanceledException"/> and keeps its last checkpoint.
    /// </summary>
    public TrainingSummary Train(Action<TrainingProgress>? progress = null, string? checkpointPath = null,
        IReadOnlyDictionary<string, string>? checkpointRecord = null, CancellationToken cancel = default)
    {
        var clock = Stopwatch.StartNew();
        int n = data.Count, startEpoch = EpochsDone;
        long examplesThisRun = 0;
        long totalSteps = (long)BatchesPerEpoch * options.Epochs;
        var history = new List<TrainingProgress>();
        var epochLabels = new int[n];
        for (int epoch = startEpoch; epoch < options.Epochs; epoch++)
        {
            int[] order = Permutation(options.Seed, epoch, n);
            permutation.View.CopyFromCPU(order);
            for (int i = 0; i < n; i++) epochLabels[i] = data.Source.Labels[order[i]];
            lossTotal.MemSetToZero();
            int reported = 0, correct = 0;
            var lastReport = clock.Elapsed;
            double lr = 0;
            for (int start = 0; start < n; start += options.DataRowsPerBatch)
            {
                cancel.ThrowIfCancellationRequested();
                int b = Math.Min(options.DataRowsPerBatch, n - start);
                lr = LearningRates.At(options.Schedule, options.LearningRate, Steps, totalSteps, epoch, options.Epochs);
                Step(start, b, lr);
                examplesThisRun += b;
                bool last = start + b >= n;
                if (progress != null && (last || clock.Elapsed - lastReport >= ReportInterval))
                {
                    lastReport = clock.Elapsed;
                    int done = start + b;
                    correct += CountCorrect(reported, done, epochLabels);
                    reported = done;
                    double loss = lossTotal.GetAsArray1D()[0] / done;
                    var report = Report(epoch, done, loss, (double)correct / done, examplesThisRun, clock.Elapsed, n, last, lr);
                    if (last) history.Add(report);
                    progress(report);
                }
            }
            EpochsDone = epoch + 1;
            if (progress == null)
            {
                // Still record the epoch's training loss and accuracy (one read per epoch).
                int c = CountCorrect(0, n, epochLabels);
                history.Add(Report(epoch, n, lossTotal.GetAsArray1D()[0] / n, (double)c / n, examplesThisRun, clock.Elapsed, n, true, lr));
            }
            if (checkpointPath != null) SaveCheckpoint(checkpointPath, checkpointRecord);
        }
        device.Synchronize();
        return new TrainingSummary(history, clock.Elapsed, examplesThisRun, PenaltyValue());
    }

    /// <summary>The current weight-decay penalty Σ c/2·|W|² (evaluated at the last step's weights, before its update).</summary>
    private double PenaltyValue() => parameters.Any(p => p.Lambda > 0) ? penalty.GetAsArray1D()[0] : 0.0;

    /// <summary>Evaluates the model being trained on its own training data (resident already), in evaluation mode.</summary>
    public EvaluationResult EvaluateTrainingData(int batchSize = Evaluator.DefaultBatchSize) => Evaluator.Evaluate(model, data, batchSize);

    /// <summary>Writes a checkpoint (<see cref="TrainingCheckpoint"/>) of the model, the optimizer's state, the pools and the counters.</summary>
    public void SaveCheckpoint(string path, IReadOnlyDictionary<string, string>? record = null) =>
        TrainingCheckpoint.Save(path, model, options, new(EpochsDone, Steps), OptimizerState, Pools.ToList(), record);

    /// <summary>
    /// Restores a checkpoint written by <see cref="SaveCheckpoint"/> into this trainer's model and
    /// optimizer; refuses one written with other options (a different run).
    /// </summary>
    public void Resume(string path)
    {
        var position = TrainingCheckpoint.Restore(path, device, model, options, OptimizerState, Pools.ToList());
        (EpochsDone, Steps) = (position.EpochsDone, position.Steps);
    }

    /// <summary>Each parameter's optimizer state (momentum; Adam's two moments).</summary>
    private IEnumerable<(Parameter Parameter, Tensor[] State)> OptimizerState => parameters.Select(p => (p.Parameter, p.State));

    /// <summary>Every pool, the input's first.</summary>
    private IEnumerable<IExamplePool> Pools => (pool == null ? [] : new[] { pool }).Concat(hiddenPools.Select(h => h.Pool));

    /// <summary>The order of epoch <paramref name="epoch"/>: a Fisher–Yates shuffle seeded from the run's seed and the epoch.</summary>
    public static int[] Permutation(int seed, int epoch, int n)
    {
        var rng = new Random(HashCode32(seed, epoch));
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        for (int i = n - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    private static int HashCode32(int seed, int epoch)
    {
        // A fixed mix (not HashCode.Combine, which is randomised per process).
        uint h = unchecked((uint)seed * 0x9E3779B1u ^ (uint)(epoch + 1) * 0x85EBCA77u);
        h ^= h >> 15;
        h *= 0xC2B2AE3Du;
        h ^= h >> 13;
        return (int)(h & 0x7FFFFFFF);
    }

    private void Step(int start, int b, double lr)
    {
        foreach (var p in Pools) p.BeforeStep(model, Steps);
        var (x, labels) = batches.Assemble(data, permutation.View, start, b, pool, options.PoolRowsPerBatch, options.Seed, Steps);
        var sl = device.Split(b);

        model.ZeroGradients();
        // Hidden pools first: the data batch's pass must be the last, its losses and logits are read below.
        foreach (var (p, above) in hiddenPools)
        {
            if (p.Count == 0) continue;
            var (h, hl) = batches.AssemblePool(p, options.PoolRowsPerBatch, options.Seed, Steps);
            above.ParameterGradients(h, hl, training: true, weight: (float)h.Batch / x.Batch);
        }
        var (losses, logits) = options.Objective == TrainingObjective.Reconstruction
            ? ReconstructionGradients(x)
            : model.ParameterGradients(x, labels, training: true);
        // The reported loss and accuracy are the training data's: the first b rows, not the pool's.
        var sr = device.ReductionSplit(b);
        sumPartials(sr.Threads, sr, losses.View, partials.View);
        var one = device.Split(1);
        finishSum(one.Threads, one, partials.View, lossTotal.View, sr.Threads, 1.0, 1);
        argMax(sl.Threads, sl, logits.View, predictions.View.SubView(start, b), ArrayView<int>.Empty, logits.RowLength);

        Steps++;
        bool firstDecay = true;
        float stepSize = (float)lr, epsilonHat = (float)TrainingOptions.AdamEpsilon;
        if (options.Optimizer == OptimizerKind.Adam)
        {
            double c2 = Math.Sqrt(1 - Math.Pow(TrainingOptions.AdamBeta2, Steps));
            stepSize = (float)(lr * c2 / (1 - Math.Pow(TrainingOptions.AdamBeta1, Steps)));
            epsilonHat = (float)(TrainingOptions.AdamEpsilon * c2);
        }
        foreach (var (p, lambda, state) in parameters)
        {
            if (lambda > 0)
            {
                var sd = device.ReductionSplit(p.Value.Length);
                addDecay(sd.Threads, sd, p.Value.View, p.Gradient.View, partials.View, lambda);
                finishSum(one.Threads, one, partials.View, penalty.View, sd.Threads, lambda / 2.0, firstDecay ? 0 : 1);
                firstDecay = false;
            }
            var s = device.Split(p.Value.Length);
            if (options.Optimizer == OptimizerKind.Adam)
                adam(s.Threads, s, p.Value.View, p.Gradient.View, state[0].View, state[1].View, stepSize,
                    (float)TrainingOptions.AdamBeta1, (float)TrainingOptions.AdamBeta2, epsilonHat);
            else
                sgd(s.Threads, s, p.Value.View, p.Gradient.View, state[0].View, (float)lr, (float)options.Momentum);
        }
    }

    /// <summary>Adds the gradient of the batch's mean reconstruction loss (the input is the target) to every parameter.</summary>
    private (Tensor Losses, Tensor Outputs) ReconstructionGradients(Tensor x)
    {
        var z = model.Forward(x, training: true);
        int b = x.Batch, n = model.InputLength;
        var loss = reconstructionLoss.Get(device, [b]);
        var dz = reconstructionGradient.Get(device, [b, n]);
        var s = device.Split(b);
        reconstruction(s.Threads, s, z.View, x.View, loss.View, dz.View, n, 1f / b);
        model.Backward(dz, parameterGradients: true);
        return (loss, z);
    }

    private int CountCorrect(int from, int to, int[] epochLabels)
    {
        // An autoencoder has no labels to get right.
        if (options.Objective == TrainingObjective.Reconstruction) return 0;
        if (to <= from) return 0;
        var predicted = predictions.View.SubView(from, to - from).GetAsArray1D();
        int correct = 0;
        for (int i = 0; i < predicted.Length; i++) if (predicted[i] == epochLabels[from + i]) correct++;
        return correct;
    }

    private TrainingProgress Report(int epoch, int done, double loss, double accuracy, long examplesThisRun, TimeSpan elapsed, int n, bool epochDone, double lr)
    {
        double rate = examplesThisRun / Math.Max(1e-9, elapsed.TotalSeconds);
        long remaining = (long)(options.Epochs - epoch - 1) * n + (n - done);
        return new TrainingProgress(epoch + 1, options.Epochs, done, n, loss, accuracy, rate, elapsed,
            TimeSpan.FromSeconds(remaining / Math.Max(1e-9, rate)), epochDone, lr);
    }

    /// <summary>Frees the uploaded data set and the optimizer state; the model stays.</summary>
    public void Dispose()
    {
        data.Dispose();
        permutation.Dispose();
        batches.Dispose();
        predictions.Dispose();
        partials.Dispose();
        lossTotal.Dispose();
        penalty.Dispose();
        reconstructionLoss.Dispose();
        reconstructionGradient.Dispose();
        foreach (var (_, _, state) in parameters) foreach (var t in state) t.Dispose();
        foreach (var (_, above) in hiddenPools) above.Dispose();
    }
}
