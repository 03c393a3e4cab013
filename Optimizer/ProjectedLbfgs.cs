using ILGPU;
using ILGPU.Runtime;
using IlgpuBlindSpots.Kernels;
using IlgpuBlindSpots.Network;

namespace IlgpuBlindSpots.Optimizer;

/// <summary>
/// Batched L-BFGS for bound-constrained problems, run entirely on the device: P independent
/// problems min fᵖ(x) subject to lowerᵖ ≤ x ≤ upperᵖ (element-wise), each with its own history,
/// line search and stopping test (see <see cref="Lbfgs"/> for the algorithm).
/// </summary>
/// <remarks>
/// A run is a sequence of rounds; each round is two optimizer launches around one objective
/// evaluation of every running problem. The host reads back a single int (how many problems have
/// stopped) every <see cref="LbfgsOptions.CheckEvery"/> rounds and the per-problem results once at
/// the end.
/// </remarks>
public sealed class ProjectedLbfgs : IDisposable
{
    /// <summary>
    /// A correction pair is used only if sᵀy &gt; ε·yᵀy; ε is the float32 epsilon, since s and y are
    /// float32 differences.
    /// </summary>
    private const double CurvatureTolerance = 1.1920929e-7;

    /// <summary>
    /// Relative change of f that float32 evaluation may hide (Hager and Zhang's ε); within it the line
    /// search judges a trial by the gradients instead.
    /// </summary>
    private const double ValueNoiseTolerance = 1e-6;

    private readonly ComputeDevice device;
    private readonly Action<Index1D, WorkSplit, LbfgsSettings, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>> start;
    private readonly Action<Index1D, WorkSplit, LbfgsSettings, ArrayView<int>, ArrayView<double>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>> firstPoint;
    private readonly Action<Index1D, WorkSplit, LbfgsSettings, ArrayView<int>, ArrayView<double>, ArrayView<double>,
        ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>> prepareTrial;
    private readonly Action<Index1D, WorkSplit, LbfgsSettings, ArrayView<int>, ArrayView<double>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>> acceptOrBacktrack;
    private readonly Action<KernelConfig, ArrayView<int>, LbfgsSettings, ArrayView<double>, ArrayView<double>,
        ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>? prepareTrialByGroup;
    private readonly Action<KernelConfig, ArrayView<int>, LbfgsSettings, ArrayView<double>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>? acceptOrBacktrackByGroup;
    private LbfgsWorkspace? workspace;

    /// <summary>An optimizer for problems on <paramref name="device"/>; its workspace is allocated on the first run and reused while the problem sizes stay the same.</summary>
    /// <exception cref="BlindSpotsException">An option is out of range.</exception>
    public ProjectedLbfgs(ComputeDevice device, LbfgsOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        Options = options ?? new LbfgsOptions();
        Options.Validate();
        this.device = device;
        start = device.KernelCache.Load<WorkSplit, LbfgsSettings, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(Lbfgs.Start);
        firstPoint = device.KernelCache.Load<WorkSplit, LbfgsSettings, ArrayView<int>, ArrayView<double>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(Lbfgs.FirstPoint);
        prepareTrial = device.KernelCache.Load<WorkSplit, LbfgsSettings, ArrayView<int>, ArrayView<double>, ArrayView<double>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(Lbfgs.PrepareTrial);
        acceptOrBacktrack = device.KernelCache.Load<WorkSplit, LbfgsSettings, ArrayView<int>, ArrayView<double>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(Lbfgs.AcceptOrBacktrack);
        if (!ByGroup) return;
        prepareTrialByGroup = device.KernelCache.LoadGrouped<ArrayView<int>, LbfgsSettings, ArrayView<double>, ArrayView<double>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(LbfgsByGroup.PrepareTrial);
        acceptOrBacktrackByGroup = device.KernelCache.LoadGrouped<ArrayView<int>, LbfgsSettings, ArrayView<double>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(LbfgsByGroup.AcceptOrBacktrack);
    }

    /// <summary>The validated options every run uses.</summary>
    public LbfgsOptions Options { get; }

    private bool ElementMajor => Options.Layout == LbfgsLayout.ElementMajor;

    /// <summary>
    /// Whether the two per-round steps run with a thread group per problem: when asked, and by
    /// default on backends that take grouped kernels (CUDA, OpenCL); not on ILGPU's CPU accelerator,
    /// whose emulated barriers cost more than the one-thread kernels' whole round.
    /// </summary>
    private bool ByGroup => Options.Layout == LbfgsLayout.ProblemGroups ||
                            (Options.Layout == LbfgsLayout.Auto && device.PrefersGroupedKernels);

    /// <summary>
    /// Minimizes every problem of the batch from the start point <paramref name="x"/> (batch first:
    /// [P, n] or e.g. [P, C, H, W], n values per row), which is projected onto the box and then
    /// overwritten with the solution. <paramref name="lower"/> and <paramref name="upper"/> give a
    /// bound per element (same number of elements as x, lower ≤ upper); equal bounds fix a variable.
    /// Warm start by passing the previous solution as x.
    /// </summary>
    public LbfgsResult Minimize(IBatchObjective objective, Tensor x, Tensor lower, Tensor upper)
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(lower);
        ArgumentNullException.ThrowIfNull(upper);
        foreach (var (t, name) in new[] { (x, "start point"), (lower, "lower bound"), (upper, "upper bound") })
            if (t.Device != device)
                throw new BlindSpotsException($"L-BFGS: the {name} lives on {t.Device.Id}, the optimizer on {device.Id}");
        if (lower.Length != x.Length || upper.Length != x.Length)
            throw new BlindSpotsException(
                $"L-BFGS: bounds of shapes {Tensor.Format(lower.Shape)} and {Tensor.Format(upper.Shape)} do not match the start point {Tensor.Format(x.Shape)}");

        var (ws, settings, split) = Prepare(x);
        int problems = ws.Problems;
        var o = Options;
        var state = ws.State.View;
        var real = ws.Real.View;

        start(split.Threads, split, settings, state, x.View, lower.View, upper.View);
        objective.Evaluate(x, ws.Value, ws.Gradient, ws.Running);
        firstPoint(split.Threads, split, settings, state, real, ws.Value.View, x.View, ws.Gradient.View, lower.View, upper.View);
        int rounds = 1;

        // Each accepted step takes at most two line searches (the second along −g after a failure),
        // so this bound is never reached by a correct run; it only guards the host loop.
        long roundLimit = (long)o.MaxIterations * 2 * o.MaxLineSearchSteps;
        long roundsDone = 0;
        while (ws.StoppedCount() < problems && roundsDone < roundLimit)
        {
            for (int k = 0; k < o.CheckEvery && roundsDone < roundLimit; k++, roundsDone++)
            {
                Round(objective, ws, settings, split, x, lower, upper);
                rounds++;
            }
        }
        return Collect(ws, x, rounds);
    }

    /// <summary>The workspace for problems shaped like <paramref name="x"/> (reused when it fits), the run's settings and its launch split.</summary>
    internal (LbfgsWorkspace Workspace, LbfgsSettings Settings, WorkSplit Split) Prepare(Tensor x)
    {
        var ws = Workspace(x.Shape);
        var o = Options;
        var settings = new LbfgsSettings
        {
            Problems = ws.Problems, Dimension = ws.Dimension, Memory = o.Memory, MaxIterations = o.MaxIterations,
            MaxLineSearchSteps = o.MaxLineSearchSteps, SufficientDecrease = o.SufficientDecrease,
            ProjectedGradientTolerance = o.ProjectedGradientTolerance, RelativeReductionTolerance = o.RelativeReductionTolerance,
            CurvatureTolerance = CurvatureTolerance, ValueNoiseTolerance = ValueNoiseTolerance, ElementMajor = ElementMajor ? 1 : 0,
        };
        return (ws, settings, device.Split(ws.Problems));
    }

    /// <summary>
    /// One round: every running problem's next trial, the objective there, and its verdict (two
    /// optimizer launches around one evaluation). A problem whose state says its start point is
    /// pending (<see cref="Lbfgs.TrialsStartPending"/>) evaluates and records that point instead.
    /// </summary>
    internal void Round(IBatchObjective objective, LbfgsWorkspace ws, LbfgsSettings settings, WorkSplit split, Tensor x, Tensor lower, Tensor upper)
    {
        if (prepareTrialByGroup is not null)
        {
            RoundByGroup(objective, ws, settings, x, lower, upper);
            return;
        }
        prepareTrial(split.Threads, split, settings, ws.State.View, ws.Real.View, ws.Pairs.View,
            x.View, ws.Gradient.View, lower.View, upper.View, ws.FreeMask.View, ws.Direction.View,
            ws.TrialX.View, ws.SHistory.View, ws.YHistory.View);
        objective.Evaluate(ws.TrialX, ws.Value, ws.TrialGradient, ws.Running);
        acceptOrBacktrack(split.Threads, split, settings, ws.State.View, ws.Real.View, ws.Value.View,
            x.View, ws.Gradient.View, ws.TrialX.View, ws.TrialGradient.View, lower.View, upper.View,
            ws.SHistory.View, ws.YHistory.View);
    }

    /// <summary><see cref="Round"/> with a thread group of <see cref="ComputeDevice.ProblemGroupSize"/> lanes per problem.</summary>
    private void RoundByGroup(IBatchObjective objective, LbfgsWorkspace ws, LbfgsSettings settings, Tensor x, Tensor lower, Tensor upper)
    {
        var config = new KernelConfig(ws.Problems, device.ProblemGroupSize);
        prepareTrialByGroup!(config, ws.State.View, settings, ws.Real.View, ws.Pairs.View,
            x.View, ws.Gradient.View, lower.View, upper.View, ws.FreeMask.View, ws.Direction.View,
            ws.TrialX.View, ws.SHistory.View, ws.YHistory.View);
        objective.Evaluate(ws.TrialX, ws.Value, ws.TrialGradient, ws.Running);
        acceptOrBacktrackByGroup!(config, ws.State.View, settings, ws.Real.View, ws.Value.View,
            x.View, ws.Gradient.View, ws.TrialX.View, ws.TrialGradient.View, lower.View, upper.View,
            ws.SHistory.View, ws.YHistory.View);
    }

    /// <summary>Device buffers allocated for workspaces so far.</summary>
    internal long WorkspaceBuffersAllocated { get; private set; }

    /// <summary>Optimizer kernel launches per <see cref="Round"/>.</summary>
    internal const int LaunchesPerRound = 2;

    /// <summary>As <see cref="Minimize(IBatchObjective, Tensor, Tensor, Tensor)"/> with the same bounds for every variable.</summary>
    public LbfgsResult Minimize(IBatchObjective objective, Tensor x, float lower, float upper)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (!(lower <= upper))
            throw new BlindSpotsException($"L-BFGS: lower bound {lower} is not at most upper bound {upper}");
        using var lo = Tensor.FromArray(device, Filled(x.Length, lower), [.. x.Shape]);
        using var hi = Tensor.FromArray(device, Filled(x.Length, upper), [.. x.Shape]);
        return Minimize(objective, x, lo, hi);
    }

    /// <summary>Frees the workspace.</summary>
    public void Dispose()
    {
        workspace?.Dispose();
        workspace = null;
    }

    private LbfgsWorkspace Workspace(IReadOnlyList<int> shape)
    {
        if (workspace is null || !workspace.Fits(shape, Options.Memory))
        {
            workspace?.Dispose();
            workspace = null;
            workspace = new LbfgsWorkspace(device, shape, Options.Memory);
            WorkspaceBuffersAllocated += LbfgsWorkspace.Buffers;
        }
        return workspace;
    }

    private static LbfgsResult Collect(LbfgsWorkspace ws, Tensor x, int rounds)
    {
        int problems = ws.Problems;
        int[] state = ws.ReadState();
        double[] real = ws.ReadReal();
        var values = new float[problems];
        var reasons = new StopReason[problems];
        var iterations = new int[problems];
        var evaluations = new int[problems];
        var projectedGradients = new float[problems];
        for (int p = 0; p < problems; p++)
        {
            values[p] = (float)real[Lbfgs.Value * problems + p];
            projectedGradients[p] = (float)real[Lbfgs.ProjectedGradientNorm * problems + p];
            reasons[p] = (StopReason)state[Lbfgs.Status * problems + p];
            iterations[p] = state[Lbfgs.Iterations * problems + p];
            evaluations[p] = state[Lbfgs.Evaluations * problems + p];
        }
        return new LbfgsResult(x, values, reasons, iterations, evaluations, projectedGradients, rounds);
    }

    private static float[] Filled(int length, float value)
    {
        var a = new float[length];
        Array.Fill(a, value);
        return a;
    }
}
