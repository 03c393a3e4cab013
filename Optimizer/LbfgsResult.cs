using IlgpuBlindSpots.Network;

namespace IlgpuBlindSpots.Optimizer;

/// <summary>The outcome of <see cref="ProjectedLbfgs.Minimize(IBatchObjective, Tensor, Tensor, Tensor)"/>, one entry per problem.</summary>
public sealed class LbfgsResult
{
    internal LbfgsResult(Tensor solution, float[] values, StopReason[] reasons, int[] iterations,
        int[] evaluations, float[] projectedGradientNorms, int rounds)
    {
        Solution = solution;
        Values = values;
        Reasons = reasons;
        Iterations = iterations;
        Evaluations = evaluations;
        ProjectedGradientNorms = projectedGradientNorms;
        Rounds = rounds;
    }

    /// <summary>The tensor passed as the start point, now holding each problem's last accepted iterate.</summary>
    public Tensor Solution { get; }
    /// <summary>f at the solution.</summary>
    public float[] Values { get; }
    /// <summary>Why each problem stopped.</summary>
    public StopReason[] Reasons { get; }
    /// <summary>Accepted steps per problem.</summary>
    public int[] Iterations { get; }
    /// <summary>Objective evaluations per problem, the one at the start point included.</summary>
    public int[] Evaluations { get; }
    /// <summary>‖P(x − g) − x‖∞ at the solution.</summary>
    public float[] ProjectedGradientNorms { get; }
    /// <summary>Calls of <see cref="IBatchObjective.Evaluate"/> made, the first one included.</summary>
    public int Rounds { get; }
}
