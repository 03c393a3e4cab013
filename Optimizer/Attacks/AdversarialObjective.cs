using ILGPU;
using ILGPU.Runtime;
using IlgpuBlindSpots.Network.Models;

namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// The minimal-perturbation objective of P problems for <see cref="ProjectedLbfgs"/>, over the
/// perturbed inputs x′ themselves (bounds [0, 1]): fᵖ(x′) = cₚ·‖x′ − xₚ‖² + attack loss of the model
/// at x′ (<see cref="AttackLoss"/>). One evaluation is a model forward and backward pass and one fused
/// kernel (<see cref="AttackObjective.AddDistancePenalty"/>), all on the device.
/// </summary>
/// <remarks>
/// With <c>compactRunning</c>, an evaluation reads the optimizer's running mask back (P ints), or
/// the caller hands it over now and then (<see cref="MaskFromCaller"/>), and, once problems have stopped, gathers the running
/// ones into a smaller model batch, so that stopped problems cost no model work. The model batch is
/// rounded up to a multiple of P/16 (padded with a repeated row whose results are ignored); it is
/// the leading rows of buffers sized for P, so shrinking allocates nothing. Each problem's result
/// is the same either way: model rows are independent.
/// </remarks>
internal sealed class AdversarialObjective : IBatchObjective, IDisposable
{
    private readonly AttackLoss loss;
    private readonly bool compactRunning;
    private readonly AttackLossKind kind;
    private readonly float kappa;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int> penalty;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>>? penaltyByGroup;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int> gatherRows;
    private readonly Action<Index1D, WorkSplit, ArrayView<int>, ArrayView<int>, ArrayView<int>, int> gatherLabels;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<int>, int, int> trialPredictions;
    private Tensor? originals, weights, compactInput;
    private MemoryBuffer1D<int, Stride1D.Dense>? labels, targets, rows, compactLabels, compactTargets;
    private int[] mask = [], rowList = [];
    private bool untargeted;
    private ArrayView<int> searchInt = ArrayView<int>.Empty;
    private int compactCount, compactSize;

    public AdversarialObjective(AttackLoss loss, bool compactRunning, AttackLossKind kind = AttackLossKind.CrossEntropy, float kappa = 0f)
    {
        this.loss = loss;
        this.compactRunning = compactRunning;
        this.kind = kind;
        this.kappa = kappa;
        var kernels = loss.Device.KernelCache;
        penalty = kernels.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int>(AttackObjective.AddDistancePenalty);
        // A group per row where the backend takes grouped kernels (coalesced rows, tree sums).
        if (loss.Device.PrefersGroupedKernels)
            penaltyByGroup = kernels.LoadGrouped<ArrayView<float>, ArrayView<float>, ArrayView<float>,
                ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>>(AttackObjective.AddDistancePenaltyByGroup);
        gatherRows = kernels.Load<WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int>(Gather.Rows);
        gatherLabels = kernels.Load<WorkSplit, ArrayView<int>, ArrayView<int>, ArrayView<int>, int>(Gather.Labels);
        trialPredictions = kernels.Load<WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<int>, int, int>(WeightSearchSteps.TrialPredictions);
    }

    /// <summary>Whether evaluations run the model on the running problems only.</summary>
    public bool CompactsRunning => compactRunning;

    /// <summary>
    /// Whether the caller hands over the running mask (<see cref="SetRunning"/>) instead of each
    /// evaluation reading it. Between hand-overs the model runs on the rows running at the last
    /// one, a superset of those running now as long as stopped problems do not resume; results
    /// are the same, only model work differs.
    /// </summary>
    public bool MaskFromCaller { get; set; }

    /// <summary>The running mask [P] as the caller read it: later evaluations run the model on its running rows.</summary>
    public void SetRunning(int[] running)
    {
        running.AsSpan(0, Problems).CopyTo(mask);
        CompactRows(Problems);
    }

    /// <summary>Device int buffers allocated for loaded problems so far (its tensors are counted by <see cref="Tensor.Allocations"/>).</summary>
    public long BuffersAllocated { get; private set; }

    /// <summary>Reads of the running mask back to the host so far.</summary>
    public long MaskReads { get; private set; }

    /// <summary>
    /// The device weight search's int state (<see cref="WeightSearchSteps"/>): each evaluation then
    /// also writes the model's class at every evaluated row into it. Empty for none.
    /// </summary>
    public void RecordPredictionsInto(ArrayView<int> searchState) => searchInt = searchState;

    /// <summary>The weights c [P] on the device, which the device weight search rewrites per problem.</summary>
    public ArrayView<float> WeightsView => weights!.View;

    /// <summary>The original inputs [P, n] on the device.</summary>
    public ArrayView<float> OriginalsView => originals!.View;

    /// <summary>The labels [P] on the device.</summary>
    public ArrayView<int> LabelsView => labels!.View;

    /// <summary>The targets [P] on the device.</summary>
    public ArrayView<int> TargetsView => targets!.View;

    private ComputeDevice Device => loss.Device;
    private Model Model => loss.Model;

    /// <summary>Problems of the loaded batch.</summary>
    public int Problems { get; private set; }

    /// <summary>Model rows evaluated since construction (padding included): the model work done.</summary>
    public long ModelRows { get; private set; }

    /// <summary>
    /// Sets the P problems: original inputs [P, n], weights c [P], labels and targets [P] (targets
    /// ignored when <paramref name="untargeted"/>).
    /// </summary>
    public void Load(float[] originalInputs, float[] weightValues, int[] labelValues, int[] targetValues, bool untargeted)
    {
        int problems = weightValues.Length, n = Model.InputLength;
        if (originalInputs.Length != problems * n || labelValues.Length != problems || targetValues.Length != problems)
            throw new ArgumentException("inputs, weights, labels and targets must describe the same problems");
        if (problems != Problems)
        {
            DisposeBuffers();
            var a = Device.Accelerator;
            originals = Tensor.Allocate(Device, [problems, .. Model.InputShape]);
            weights = Tensor.Allocate(Device, problems);
            labels = a.Allocate1D<int>(problems);
            targets = a.Allocate1D<int>(problems);
            rows = a.Allocate1D<int>(problems);
            compactLabels = a.Allocate1D<int>(problems);
            compactTargets = a.Allocate1D<int>(problems);
            mask = new int[problems];
            rowList = new int[problems];
            BuffersAllocated += 5;
            if (compactRunning)
            {
                // The compact model batch's input, sized for all P rows now so that the run allocates nothing later.
                compactInput?.Dispose();
                compactInput = Tensor.Allocate(Device, [problems, .. Model.InputShape]);
            }
            Problems = problems;
        }
        originals!.CopyFrom(originalInputs);
        weights!.CopyFrom(weightValues);
        labels!.CopyFromCPU(labelValues);
        targets!.CopyFromCPU(targetValues);
        this.untargeted = untargeted;
        // Until a mask is read or handed over, every problem runs.
        compactCount = compactSize = problems;
    }

    public void Evaluate(Tensor x, Tensor value, Tensor gradient, ArrayView<int> active)
    {
        int problems = Problems, n = Model.InputLength;
        if (x.Batch != problems)
            throw new ArgumentException($"objective loaded with {problems} problems, evaluated on {x.Batch}");
        Tensor input = x;
        ArrayView<int> rowView = ArrayView<int>.Empty, labelView = labels!.View, targetView = targets!.View;
        int count = problems;
        if (compactRunning && active.Length > 0)
        {
            if (!MaskFromCaller) ReadRunningRows(active, problems);
            count = compactCount;
            if (count == 0) return;
            if (compactSize < problems)
            {
                rowView = rows!.View.SubView(0, compactSize);
                input = Gathered(x, rowView, compactSize, n);
                labelView = compactLabels!.View.SubView(0, compactSize);
                targetView = compactTargets!.View.SubView(0, compactSize);
            }
            else count = problems;
        }
        var logits = loss.Logits(input);
        if (searchInt.Length > 0)
        {
            var sp = Device.Split(input.Batch);
            trialPredictions(sp.Threads, sp, logits.View, rowView, searchInt, logits.RowLength, problems);
        }
        var (l, g) = loss.Backpropagate(logits, labelView, targetView, untargeted, kind, kappa);
        ModelRows += input.Batch;
        // Only the model rows that hold a running problem, not the padding.
        if (penaltyByGroup is not null && count > 0)
        {
            penaltyByGroup(new KernelConfig(count, Device.ProblemGroupSize), x.View, originals!.View, weights!.View,
                l.View, g.View, rowView, active, value.View, gradient.View);
            return;
        }
        var s = Device.Split(count);
        penalty(s.Threads, s, x.View, originals!.View, weights!.View, l.View, g.View, rowView, active, value.View, gradient.View, n);
    }

    /// <summary>Reads the running mask (one host read) and takes its running rows.</summary>
    private void ReadRunningRows(ArrayView<int> active, int problems)
    {
        active.CopyToCPU(mask);
        MaskReads++;
        CompactRows(problems);
    }

    /// <summary>The running rows of <see cref="mask"/>, padded to the model batch, uploaded when fewer than P.</summary>
    private void CompactRows(int problems)
    {
        int count = 0;
        for (int p = 0; p < problems; p++)
            if (mask[p] != 0) rowList[count++] = p;
        compactCount = count;
        compactSize = count == 0 ? 0 : ModelBatch(count, problems);
        if (count == 0 || compactSize >= problems) return;
        for (int i = count; i < compactSize; i++) rowList[i] = rowList[count - 1];
        // The span overload pins rowList for the copy (see Tensor.CopyFrom).
        ((ArrayView<int>)rows!.View.SubView(0, compactSize)).CopyFromCPU((ReadOnlySpan<int>)rowList.AsSpan(0, compactSize));
    }

    /// <summary>The rows of x (and their labels and targets) the model runs on, gathered into the compact batch.</summary>
    private Tensor Gathered(Tensor x, ArrayView<int> rowView, int size, int n)
    {
        // Sized for all P rows once; a compact batch is its leading rows.
        if (compactInput is null || compactInput.Batch != Problems)
        {
            compactInput?.Dispose();
            compactInput = Tensor.Allocate(Device, [Problems, .. Model.InputShape]);
        }
        var input = compactInput.Leading(size);
        var se = Device.Split(size * n);
        gatherRows(se.Threads, se, x.View, rowView, input.View, 0, n);
        var sl = Device.Split(size);
        gatherLabels(sl.Threads, sl, labels!.View, rowView, compactLabels!.View, 0);
        gatherLabels(sl.Threads, sl, targets!.View, rowView, compactTargets!.View, 0);
        return input;
    }

    /// <summary>The model batch for <paramref name="count"/> running problems: rounded up to a multiple of P/16, at most P.</summary>
    private static int ModelBatch(int count, int problems)
    {
        int step = Math.Max(1, problems / 16);
        return Math.Min((count + step - 1) / step * step, problems);
    }

    public void Dispose()
    {
        DisposeBuffers();
        compactInput?.Dispose();
        compactInput = null;
    }

    private void DisposeBuffers()
    {
        originals?.Dispose();
        weights?.Dispose();
        labels?.Dispose();
        targets?.Dispose();
        rows?.Dispose();
        compactLabels?.Dispose();
        compactTargets?.Dispose();
        Problems = 0;
    }
}
