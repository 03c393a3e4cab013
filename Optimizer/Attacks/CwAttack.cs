using ILGPU;

namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// The L2 attack of Carlini and Wagner (2017): minimise ‖x′ − x‖² + c·f(x′), f the margin loss with
/// confidence κ, by Adam in the variables w of x′ = (tanh w + 1)/2 (<see cref="CarliniWagner"/>),
/// with a binary search over c per example (×10 until a success, then bisection); the smallest
/// successful iterate of any round is the result.
/// </summary>
/// <remarks>
/// Each round runs in segments of a tenth of its steps; between segments the state of the examples
/// still running goes through the host, and an example whose objective fell by less than 0.01% over
/// the segment stops (the early abort), so later segments run the model on the remaining examples only.
/// </remarks>
public sealed class CwAttack : Attack<CwOptions>
{
    /// <summary>The attack with <paramref name="options"/>, or the defaults.</summary>
    /// <exception cref="BlindSpotsException">An option is out of range.</exception>
    public CwAttack(CwOptions? options = null) : base(options)
    {
    }

    /// <summary>L2, the norm C&amp;W's L2 attack minimises.</summary>
    public override Distance Measure => Distance.L2;

    /// <inheritdoc/>
    protected override void Search(AttackBatch batch, AttackLoss loss)
    {
        var o = Options;
        int count = batch.Count, n = batch.Length;
        var search = new CwProblems(batch);
        var weight = new double[count];
        var lower = new double[count];
        var upper = new double[count];
        Array.Fill(weight, o.InitialConst);
        Array.Fill(upper, double.PositiveInfinity);
        for (int round = 0; round < o.BinarySteps; round++)
        {
            bool[] reached = RunRound(search, loss, weight, o);
            for (int p = 0; p < count; p++)
            {
                if (reached[p])
                {
                    upper[p] = Math.Min(upper[p], weight[p]);
                    weight[p] = (lower[p] + upper[p]) / 2;
                }
                else
                {
                    lower[p] = Math.Max(lower[p], weight[p]);
                    weight[p] = double.IsPositiveInfinity(upper[p]) ? weight[p] * 10 : (lower[p] + upper[p]) / 2;
                }
            }
        }
        for (int p = 0; p < count; p++)
        {
            (float.IsFinite(search.BestSquaredNorm[p]) ? search.Best : search.Adversarial).AsSpan(p * n, n).CopyTo(batch.Adversarial(p));
            batch.Weights[p] = double.IsPositiveInfinity(upper[p]) ? double.NaN : upper[p];
        }
        search.Evaluations.CopyTo(batch.Evaluations, 0);
        search.Evaluations.CopyTo(batch.Iterations, 0);
    }

    /// <summary>One round of Adam from x at the weights given; whether each problem reached its goal in it.</summary>
    private static bool[] RunRound(CwProblems search, AttackLoss loss, double[] weight, CwOptions o)
    {
        int count = search.Count;
        var reached = new bool[count];
        var previous = new double[count];
        Array.Fill(previous, double.PositiveInfinity);
        search.StartRound(loss);
        int segment = o.AbortEarly ? (o.Steps + 9) / 10 : o.Steps;
        var running = Enumerable.Range(0, count).ToArray();
        for (int done = 0; done < o.Steps && running.Length > 0; done += segment)
        {
            int length = Math.Min(segment, o.Steps - done);
            var (objective, succeeded) = search.RunSegment(loss, running, weight, done, length, o);
            var still = new List<int>();
            for (int a = 0; a < running.Length; a++)
            {
                int p = running[a];
                reached[p] |= succeeded[a];
                if (!o.AbortEarly || objective[a] <= 0.9999 * previous[p]) still.Add(p);
                previous[p] = objective[a];
            }
            running = still.ToArray();
        }
        return reached;
    }
}
