using ILGPU;

namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// The host copy of the state of <see cref="CwAttack"/>'s problems between segments: Adam's w, m, v,
/// the iterates, and each problem's smallest successful input over all rounds. A segment uploads the
/// running problems' rows, runs its steps on the device, and brings the rows back.
/// </summary>
internal sealed class CwProblems
{
    private readonly AttackBatch batch;
    private readonly float[] w, m, v;

    public CwProblems(AttackBatch batch)
    {
        this.batch = batch;
        int size = batch.Count * batch.Length;
        w = new float[size];
        m = new float[size];
        v = new float[size];
        Adversarial = (float[])batch.Originals.Clone();
        Best = (float[])batch.Originals.Clone();
        BestSquaredNorm = new float[batch.Count];
        Array.Fill(BestSquaredNorm, float.PositiveInfinity);
        Evaluations = new int[batch.Count];
    }

    public int Count => batch.Count;
    public float[] Adversarial { get; }
    public float[] Best { get; }
    public float[] BestSquaredNorm { get; }
    public int[] Evaluations { get; }

    /// <summary>Every problem starts from x (in the tanh space) with Adam's moments at 0.</summary>
    public void StartRound(AttackLoss loss)
    {
        var device = loss.Device;
        using var x = Tensor.FromArray(device, batch.Originals, batch.Originals.Length);
        using var wt = Tensor.Allocate(device, w.Length);
        using var at = Tensor.Allocate(device, w.Length);
        var s = device.Split(w.Length);
        device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>>(CarliniWagner.ToTanhSpace)(
            s.Threads, s, x.View, wt.View, at.View);
        wt.ToArray().CopyTo(w, 0);
        at.ToArray().CopyTo(Adversarial, 0);
        Array.Clear(m);
        Array.Clear(v);
    }

    /// <summary>
    /// Runs Adam steps done + 1 … done + length of the round on the problems <paramref name="rows"/>;
    /// returns, per row, the objective ‖x′ − x‖² + c·f at the segment's last evaluation and whether
    /// any iterate of the segment reached its goal.
    /// </summary>
    public (double[] Objective, bool[] Succeeded) RunSegment(AttackLoss loss, int[] rows, double[] weight, int done, int length, CwOptions o)
    {
        int n = batch.Length, count = rows.Length;
        var device = loss.Device;
        int[] shape = [count, .. loss.Model.InputShape];
        float[] Pick(float[] a) => Gather(a, rows, n);
        using var state = new MinimalNormState(loss, Pick(batch.Originals), Pick(Adversarial),
            rows.Select(p => batch.Labels[p]).ToArray(), rows.Select(p => batch.Targets[p]).ToArray(),
            Pick(Best), rows.Select(p => BestSquaredNorm[p]).ToArray());
        state.ResetEverSucceeded();
        using var wt = Tensor.FromArray(device, Pick(w), shape);
        using var mt = Tensor.FromArray(device, Pick(m), shape);
        using var vt = Tensor.FromArray(device, Pick(v), shape);
        using var weights = Tensor.FromArray(device, rows.Select(p => (float)weight[p]).ToArray(), count);
        var adam = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, float, int, int>(CarliniWagner.AdamStep);
        var elements = device.Split(count * n);
        Tensor? margin = null;
        for (int k = 1; k <= length; k++)
        {
            var (value, gradient) = state.Evaluate(AttackLossKind.Margin, (float)o.Confidence);
            margin = value;
            adam(elements.Threads, elements, wt.View, mt.View, vt.View, state.Adversarial.View, state.Original.View,
                gradient.View, weights.View, ArrayView<int>.Empty, (float)o.StepSize, done + k, n);
        }
        float[] f = margin!.ToArray(), squared = state.SquaredNorm.ToArray();
        int[] ever = MinimalNormState.Read(state.EverSucceeded);
        Scatter(wt.ToArray(), w, rows, n);
        Scatter(mt.ToArray(), m, rows, n);
        Scatter(vt.ToArray(), v, rows, n);
        Scatter(state.Adversarial.ToArray(), Adversarial, rows, n);
        Scatter(state.Best.ToArray(), Best, rows, n);
        float[] bestSquared = state.BestSquaredNorm.ToArray();
        var objective = new double[count];
        var succeeded = new bool[count];
        for (int a = 0; a < count; a++)
        {
            int p = rows[a];
            BestSquaredNorm[p] = bestSquared[a];
            Evaluations[p] += length;
            objective[a] = squared[a] + weight[p] * f[a];
            succeeded[a] = ever[a] != 0;
        }
        return (objective, succeeded);
    }

    private static float[] Gather(float[] source, int[] rows, int n)
    {
        var result = new float[rows.Length * n];
        for (int a = 0; a < rows.Length; a++) source.AsSpan(rows[a] * n, n).CopyTo(result.AsSpan(a * n, n));
        return result;
    }

    private static void Scatter(float[] source, float[] target, int[] rows, int n)
    {
        for (int a = 0; a < rows.Length; a++) source.AsSpan(a * n, n).CopyTo(target.AsSpan(rows[a] * n, n));
    }
}
