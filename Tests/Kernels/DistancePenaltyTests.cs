using ILGPU;
using ILGPU.Runtime;

namespace IlgpuBlindSpots.Tests.Kernels;

/// <summary>
/// The attack objective's distance penalty, one thread per row (<see cref="AttackObjective.AddDistancePenalty"/>)
/// and a thread group per row (<see cref="AttackObjective.AddDistancePenaltyByGroup"/>), against the
/// same float64 reference: value[p] = loss[i] + c[p]·‖x′ₚ − xₚ‖², gradient[p] = lossGradient[i] + 2c[p]·(x′ₚ − xₚ),
/// over compacted model rows (rows) with stopped problems (active = 0) left untouched.
/// </summary>
public class DistancePenaltyTests
{
    private const int P = 9, N = 300, Rows = 6;
    private static readonly int[] RowProblems = [7, 0, 3, 8, 2, 5];
    private static readonly int[] Active = [1, 1, 0, 1, 1, 1, 1, 1, 1];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MatchesTheFloat64Reference(bool byGroup)
    {
        var dev = TestDevice.Current;
        float[] adversarial = Rand.Uniform(1, P * N, 0, 1), original = Rand.Uniform(2, P * N, 0, 1);
        float[] weights = Rand.Uniform(3, P, 0.1f, 4f), loss = Rand.Uniform(4, Rows, 0, 3), lossGradient = Rand.Uniform(5, Rows * N, -1, 1);
        using var ta = Tensor.FromArray(dev, adversarial, P, N);
        using var to = Tensor.FromArray(dev, original, P, N);
        using var tw = Tensor.FromArray(dev, weights, P);
        using var tl = Tensor.FromArray(dev, loss, Rows);
        using var tlg = Tensor.FromArray(dev, lossGradient, Rows, N);
        using var rows = dev.Accelerator.Allocate1D(RowProblems);
        using var active = dev.Accelerator.Allocate1D(Active);
        using var value = Tensor.FromArray(dev, Enumerable.Repeat(-7f, P).ToArray(), P);
        using var gradient = Tensor.FromArray(dev, Enumerable.Repeat(-7f, P * N).ToArray(), P, N);
        Launch(dev, byGroup, ta, to, tw, tl, tlg, rows.View, active.View, value, gradient);

        float[] v = value.ToArray(), g = gradient.ToArray();
        var touched = new bool[P];
        for (int i = 0; i < Rows; i++)
        {
            int p = RowProblems[i];
            if (Active[p] == 0) continue;
            touched[p] = true;
            double sum = 0;
            for (int k = 0; k < N; k++)
            {
                double r = (double)adversarial[p * N + k] - original[p * N + k];
                sum += r * r;
                Assert.Equal(lossGradient[i * N + k] + 2.0 * weights[p] * r, g[p * N + k], 1e-5);
            }
            double expected = loss[i] + weights[p] * sum;
            Assert.Equal(expected, v[p], expected * 1e-6);
        }
        for (int p = 0; p < P; p++)
            if (!touched[p])
            {
                Assert.Equal(-7f, v[p]);
                Assert.All(g.AsSpan(p * N, N).ToArray(), x => Assert.Equal(-7f, x));
            }
    }

    private static void Launch(ComputeDevice dev, bool byGroup, Tensor adversarial, Tensor original, Tensor weights, Tensor loss, Tensor lossGradient,
        ArrayView<int> rows, ArrayView<int> active, Tensor value, Tensor gradient)
    {
        if (byGroup)
        {
            dev.KernelCache.LoadGrouped<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
                ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>>(AttackObjective.AddDistancePenaltyByGroup)(
                new KernelConfig(Rows, dev.ProblemGroupSize), adversarial.View, original.View, weights.View, loss.View, lossGradient.View,
                rows, active, value.View, gradient.View);
            return;
        }
        var s = dev.Split(Rows);
        dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int>(AttackObjective.AddDistancePenalty)(
            s.Threads, s, adversarial.View, original.View, weights.View, loss.View, lossGradient.View, rows, active, value.View, gradient.View, N);
    }
}
