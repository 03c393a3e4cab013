using ILGPU;
using ILGPU.Runtime;
using IlgpuBlindSpots.Network.Models;
using Device = IlgpuBlindSpots.Network.Device;

namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// The minimal-perturbation objective of P problems for <see cref="ProjectedLbfgs"/>, over the
/// perturbed inputs x′ themselves (bounds [0, 1]): fᵖ(x′) = cₚ·‖x′ − xₚ‖² + attack loss of the model
/// at x′ (<see cref="AttackLoss"/>). One evaluation is a model forward and backward pass and one fused
/// kernel (<see cref="AttackObjective.AddDistancePenalty"/>), all on the device.
/// </summary>
/// <remarks>
/// With <c>compactRunning</c>, an evaluation reads the optimizer's running mask back (P ints) and,
/// once problems have stopped, gathers the running ones into a smaller model batch, so that stopped
/// problems cost no model work. The model batch is rounded up to a multiple of P/16 (padded with a
/// repeated row whose results are ignored) so that the model's buffers are reallocated at most 16
/// times per solve. Each problem's result is the same either way: model rows are independent.
/// </remarks>
internal sealed class AdversarialObjective : IBatchObjective, IDisposable
{
    private readonly AttackLoss loss;
    private readonly bool compactRunning;
    private readonly AttackLossKind kind;
    private readonly float kappa;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int> penalty;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int> gatherRows;
    private readonly Action<Index1D, WorkSplit, ArrayView<int>, ArrayView<int>, ArrayView<int>, int> gatherLabels;
    private Tensor? originals, weights, compactInput;
    private MemoryBuffer1D<int, Stride1D.Dense>? labels, targets, rows, compactLabels, compactTargets;
    private int[] mask = [], rowList = [];
    private bool untargeted;

    public AdversarialObjective(AttackLoss loss, bool compactRunning, AttackLossKind kind = AttackLossKind.CrossEntropy, float kappa = 0f)
    {
        this.loss = loss;
        this.compactRunning = compactRunning;
        this.kind = kind;
        this.kappa = kappa;
        var kernels = loss.Device.Kernels;
        penalty = kernels.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int>(AttackObjective.AddDistancePenalty);
        gatherRows = kernels.Load<WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int>(Gather.Rows);
        gatherLabels = kernels.Load<WorkSplit, ArrayView<int>, ArrayView<int>, ArrayView<int>, int>(Gather.Labels);
    }

    private Device Device => loss.Device;
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
            Problems = problems;
        }
        originals!.CopyFrom(originalInputs);
        weights!.CopyFrom(weightValues);
        labels!.CopyFromCPU(labelValues);
        targets!.CopyFromCPU(targetValues);
        this.untargeted = untargeted;
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
            active.CopyToCPU(mask);
            count = 0;
            for (int p = 0; p < problems; p++)
                if (mask[p] != 0) rowList[count++] = p;
            if (count == 0) return;
            int size = ModelBatch(count, problems);
            if (size < problems)
            {
                for (int i = count; i < size; i++) rowList[i] = rowList[count - 1];
                rows!.View.SubView(0, size).CopyFromCPU(ref rowList[0], size);
                rowView = rows.View.SubView(0, size);
                if (compactInput is null || compactInput.Batch != size)
                {
                    compactInput?.Dispose();
                    compactInput = Tensor.Allocate(Device, [size, .. Model.InputShape]);
                }
                var se = Device.Split(size * n);
                gatherRows(se.Threads, se, x.View, rowView, compactInput.View, 0, n);
                var sl = Device.Split(size);
                gatherLabels(sl.Threads, sl, labels.View, rowView, compactLabels!.View, 0);
                gatherLabels(sl.Threads, sl, targets.View, rowView, compactTargets!.View, 0);
                input = compactInput;
                labelView = compactLabels.View.SubView(0, size);
                targetView = compactTargets.View.SubView(0, size);
            }
            else count = problems;
        }
        var (l, g) = loss.Evaluate(input, labelView, targetView, untargeted, kind, kappa);
        ModelRows += input.Batch;
        // Only the model rows that hold a running problem, not the padding.
        var s = Device.Split(count);
        penalty(s.Threads, s, x.View, originals!.View, weights!.View, l.View, g.View, rowView, active, value.View, gradient.View, n);
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
