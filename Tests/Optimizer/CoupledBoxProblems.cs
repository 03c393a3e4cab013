using IlgpuBlindSpots.Optimizer;

namespace IlgpuBlindSpots.Tests.Optimizer;

/// <summary>
/// Coupled quadratics (<see cref="QuadraticObjective.Coupled"/>) on boxes around 0 with start points
/// inside, drawn from five consecutive seeds: the bounds and start on the device for the solver and
/// on the host for <see cref="ProjectedLbfgsReference"/>, the float64 run each problem must follow.
/// </summary>
internal sealed class CoupledBoxProblems : IDisposable
{
    private readonly float[] start, lower, upper;
    private readonly int n;

    public CoupledBoxProblems(ComputeDevice dev, int firstSeed, int problems, int n, float shift)
    {
        this.n = n;
        float[] centre = Rand.Uniform(firstSeed, problems * n, -2f, 2f);
        lower = Rand.Uniform(firstSeed + 1, problems * n, -1f, -0.2f);
        upper = Rand.Uniform(firstSeed + 2, problems * n, 0.2f, 1f);
        start = Rand.Uniform(firstSeed + 3, problems * n, -0.2f, 0.2f);
        Objective = QuadraticObjective.Coupled(dev, firstSeed + 4, centre, problems, n, shift);
        X = Tensor.FromArray(dev, start, problems, n);
        Lower = Tensor.FromArray(dev, lower, problems, n);
        Upper = Tensor.FromArray(dev, upper, problems, n);
    }

    public QuadraticObjective Objective { get; }
    /// <summary>The start points, [problems, n]; the solver overwrites them with its iterates.</summary>
    public Tensor X { get; }
    public Tensor Lower { get; }
    public Tensor Upper { get; }

    /// <summary>The float64 reference run of problem <paramref name="p"/> from its start point.</summary>
    public ProjectedLbfgsReference.Outcome Reference(int p, LbfgsOptions options) =>
        ProjectedLbfgsReference.Minimize((xs, gs) => Objective.ValueAndGradient(p, xs, gs),
            RowAsDouble(start, p), RowAsDouble(lower, p), RowAsDouble(upper, p), options);

    private double[] RowAsDouble(float[] a, int p) => a.AsSpan(p * n, n).ToArray().Select(v => (double)v).ToArray();

    public void Dispose()
    {
        Objective.Dispose();
        X.Dispose();
        Lower.Dispose();
        Upper.Dispose();
    }
}
