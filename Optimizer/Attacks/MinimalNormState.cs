using ILGPU;
using ILGPU.Runtime;

namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// The device state the minimal-norm attacks (C&amp;W, DDN, FMN, the L-BFGS attack's refinement)
/// share for P problems: originals, current iterates, and the smallest successful iterate of each
/// problem so far, kept by <see cref="BestAdversarial.Keep"/> at every model pass.
/// </summary>
internal sealed class MinimalNormState : IDisposable
{
    private readonly AttackLoss loss;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> labels, targets, succeeded, everSucceeded;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int, int> keep;
    /// <summary>The <see cref="RowNorm"/> the state measures perturbations with.</summary>
    private readonly int norm;

    /// <summary>
    /// P problems from host arrays: originals and starting iterates [P·n]; labels and targets [P]
    /// (targets −1: untargeted); optionally each problem's best successful input so far with its
    /// squared norm (+∞: none), which later iterates must beat. The norm is L2, or L∞ where
    /// <paramref name="measure"/> says so (then the squared norms are squared L∞ norms).
    /// </summary>
    public MinimalNormState(AttackLoss loss, float[] originals, float[] starts, int[] labelValues, int[] targetValues,
        float[]? best = null, float[]? bestSquaredNorm = null, Distance measure = Distance.L2)
    {
        if (measure is not (Distance.L2 or Distance.LInf)) throw new ArgumentOutOfRangeException(nameof(measure), measure, "L2 or LInf");
        this.loss = loss;
        var device = loss.Device;
        Count = labelValues.Length;
        Length = loss.Model.InputLength;
        int[] shape = [Count, .. loss.Model.InputShape];
        Untargeted = Count > 0 && targetValues[0] < 0;
        Original = Tensor.FromArray(device, originals, shape);
        Adversarial = Tensor.FromArray(device, starts, shape);
        Best = Tensor.FromArray(device, best ?? originals, shape);
        var none = new float[Count];
        Array.Fill(none, float.PositiveInfinity);
        BestSquaredNorm = Tensor.FromArray(device, bestSquaredNorm ?? none, Count);
        SquaredNorm = Tensor.Zeros(device, Count);
        var a = device.Accelerator;
        labels = a.Allocate1D(labelValues);
        targets = a.Allocate1D(targetValues);
        succeeded = a.Allocate1D<int>(Count);
        everSucceeded = a.Allocate1D(BestSquaredNorm.ToArray().Select(v => float.IsFinite(v) ? 1 : 0).ToArray());
        keep = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int, int>(BestAdversarial.Keep);
        norm = measure == Distance.LInf ? RowNorm.LInf : RowNorm.L2;
    }

    public int Count { get; }
    /// <summary>Values per input, n.</summary>
    public int Length { get; }
    public bool Untargeted { get; }
    public AttackLoss Loss => loss;
    public ComputeDevice Device => loss.Device;
    public Tensor Original { get; }
    /// <summary>The current iterates x′ [P, …], in [0, 1].</summary>
    public Tensor Adversarial { get; }
    /// <summary>Each problem's smallest successful iterate so far (its original while none).</summary>
    public Tensor Best { get; }
    /// <summary>The square of each problem's smallest successful norm so far (L2, or L∞ in an L∞ state).</summary>
    public Tensor BestSquaredNorm { get; }
    /// <summary>‖x′ − x‖² of the iterates at the latest pass (L2, or L∞ in an L∞ state).</summary>
    public Tensor SquaredNorm { get; }
    public ArrayView<int> Labels => labels.View;
    public ArrayView<int> Targets => targets.View;
    /// <summary>1 where the iterate of the latest pass reached its goal.</summary>
    public ArrayView<int> Succeeded => succeeded.View;
    /// <summary>1 where any iterate so far reached its goal.</summary>
    public ArrayView<int> EverSucceeded => everSucceeded.View;

    /// <summary>
    /// A forward and backward pass at the iterates: the successes are recorded first, then the
    /// losses and input gradients are returned (owned by the model and <see cref="Loss"/>).
    /// </summary>
    public (Tensor Loss, Tensor Gradient) Evaluate(AttackLossKind kind, float kappa)
    {
        var logits = loss.Logits(Adversarial);
        Keep(logits);
        return loss.Backpropagate(logits, Labels, Targets, Untargeted, kind, kappa);
    }

    /// <summary>A forward pass only, recording which iterates succeed.</summary>
    public void Check() => Keep(loss.Logits(Adversarial));

    /// <summary>Forgets which problems succeeded so far (their best inputs stay).</summary>
    public void ResetEverSucceeded() => everSucceeded.MemSetToZero();

    private void Keep(Tensor logits)
    {
        var s = Device.Split(Count);
        keep(s.Threads, s, logits.View, Labels, Targets, Adversarial.View, Original.View, SquaredNorm.View,
            Succeeded, EverSucceeded, BestSquaredNorm.View, Best.View, logits.RowLength, Length, norm);
    }

    /// <summary>The flags of <paramref name="view"/> on the host.</summary>
    public static int[] Read(ArrayView<int> view)
    {
        var values = new int[view.Length];
        view.CopyToCPU(values);
        return values;
    }

    /// <summary>
    /// Writes each problem's best successful input into the batch's perturbed inputs, or, for a
    /// problem that never succeeded, its last iterate.
    /// </summary>
    public void WriteTo(AttackBatch batch)
    {
        int[] ever = Read(EverSucceeded);
        float[] best = Best.ToArray(), last = Adversarial.ToArray();
        int n = Length;
        for (int p = 0; p < Count; p++)
            (ever[p] != 0 ? best : last).AsSpan(p * n, n).CopyTo(batch.Adversarial(p));
    }

    public void Dispose()
    {
        Original.Dispose();
        Adversarial.Dispose();
        Best.Dispose();
        BestSquaredNorm.Dispose();
        SquaredNorm.Dispose();
        labels.Dispose();
        targets.Dispose();
        succeeded.Dispose();
        everSucceeded.Dispose();
    }
}
