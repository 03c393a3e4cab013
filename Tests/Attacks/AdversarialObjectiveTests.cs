using IlgpuBlindSpots.Optimizer.Attacks;
using IlgpuBlindSpots.Tests.Network;
using ILGPU;
using ILGPU.Runtime;

namespace IlgpuBlindSpots.Tests.Attacks;

/// <summary>
/// The L-BFGS attack's objective c·‖x′ − x‖² + loss(f(x′)) on a small random model: values against the
/// float64 model, gradients against central differences of it, targeted and untargeted, with every
/// problem running and with the stopped ones left out of the model's batch.
/// </summary>
public class AdversarialObjectiveTests
{
    private const int Problems = 5, C = 1, H = 4, W = 3, N = C * H * W;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ValueAndGradientMatchTheFloat64ModelAndCentralDifferences(bool untargeted)
    {
        using var model = SequentialModelTests.Build("fc:7,sigmoid,fc:5,tanh,fc:4", C, H, W, seed: 71);
        var reference = new ModelReference(model);
        var (x, adversarial, weights, labels, targets) = Problem(untargeted, seed: 72);
        using var loss = new AttackLoss(model);
        using var objective = new AdversarialObjective(loss, compactRunning: false);
        objective.Load(x, weights, labels, targets, untargeted);
        using var xa = Tensor.FromArray(TestDevice.Current, adversarial, Problems, C, H, W);
        using var value = Tensor.Allocate(TestDevice.Current, Problems);
        using var gradient = Tensor.Allocate(TestDevice.Current, Problems, C, H, W);

        objective.Evaluate(xa, value, gradient, ArrayView<int>.Empty);

        float[] v = value.ToArray(), g = gradient.ToArray();
        for (int p = 0; p < Problems; p++)
        {
            double[] xp = Row(x, p), ap = Row(adversarial, p);
            double F(double[] at) => AttackReference.Objective(reference, at, xp, weights[p], labels[p], targets[p]);
            Assert.Equal(F(ap), v[p], 4);
            var expected = FiniteDifferences.Gradient(ap, () => F(ap), h: 1e-5);
            Compare.Close(expected, g.Skip(p * N).Take(N).ToArray(), rtol: 1e-3, atol: 1e-5, what: $"problem {p} gradient");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void StoppedProblemsAreLeftUntouchedAndTheRunningOnesUnchangedByCompaction(bool untargeted)
    {
        using var model = SequentialModelTests.Build("fc:6,relu,fc:3", C, H, W, seed: 73);
        var (x, adversarial, weights, labels, targets) = Problem(untargeted, seed: 74, classes: 3);
        int[] running = [0, 1, 0, 0, 1];
        using var loss = new AttackLoss(model);
        using var full = new AdversarialObjective(loss, compactRunning: false);
        using var compact = new AdversarialObjective(loss, compactRunning: true);
        using var xa = Tensor.FromArray(TestDevice.Current, adversarial, Problems, C, H, W);
        using var active = TestDevice.Current.Accelerator.Allocate1D(running);

        (float[] Value, float[] Gradient) Evaluate(AdversarialObjective objective)
        {
            objective.Load(x, weights, labels, targets, untargeted);
            using var value = Tensor.FromArray(TestDevice.Current, Enumerable.Repeat(-7f, Problems).ToArray(), Problems);
            using var gradient = Tensor.FromArray(TestDevice.Current, Enumerable.Repeat(-7f, Problems * N).ToArray(), Problems, C, H, W);
            objective.Evaluate(xa, value, gradient, active.View);
            return (value.ToArray(), gradient.ToArray());
        }

        var (fullValue, fullGradient) = Evaluate(full);
        var (compactValue, compactGradient) = Evaluate(compact);
        // Two running problems of five: the model ran on a batch of 2, not 5.
        Assert.Equal(Problems, full.ModelRows);
        Assert.Equal(2, compact.ModelRows);
        for (int p = 0; p < Problems; p++)
        {
            var gp = compactGradient.Skip(p * N).Take(N);
            if (running[p] == 0)
            {
                Assert.Equal(-7f, fullValue[p]);
                Assert.Equal(-7f, compactValue[p]);
                Assert.All(gp, e => Assert.Equal(-7f, e));
            }
            else
            {
                Assert.NotEqual(-7f, compactValue[p]);
                Assert.Equal(fullValue[p], compactValue[p]);
                Assert.Equal(fullGradient.Skip(p * N).Take(N), gp);
            }
        }
    }

    private static (float[] X, float[] Adversarial, float[] Weights, int[] Labels, int[] Targets) Problem(bool untargeted, int seed, int classes = 4)
    {
        float[] x = AttackKernelTests.PixelLike(seed, Problems * N);
        // Interior points, so that central differences do not step out of the box.
        float[] adversarial = Rand.Uniform(seed + 1, Problems * N, 0.05f, 0.95f);
        float[] weights = [0.1f, 0.5f, 1f, 2f, 4f];
        int[] labels = Enumerable.Range(0, Problems).Select(p => p % classes).ToArray();
        int[] targets = labels.Select(l => untargeted ? -1 : (l + 1) % classes).ToArray();
        return (x, adversarial, weights, labels, targets);
    }

    private static double[] Row(float[] a, int p) => a.Skip(p * N).Take(N).Select(v => (double)v).ToArray();
}
