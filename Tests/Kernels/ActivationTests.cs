using IlgpuBlindSpots.Network.Layers;
using ILGPU;

namespace IlgpuBlindSpots.Tests.Kernels;

/// <summary>Activation kernels against <see cref="ActivationReference"/> and against central differences.</summary>
public class ActivationTests
{
    public static TheoryData<ActivationKind, int> Cases()
    {
        var data = new TheoryData<ActivationKind, int>();
        foreach (var kind in Enum.GetValues<ActivationKind>())
            foreach (int length in new[] { 1, 7, 21, 784, 17 * 784 })
                data.Add(kind, length);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardAndBackwardMatchFloat64ReferenceForEverySplit(ActivationKind kind, int length)
    {
        var dev = TestDevice.Current;
        float[] x = Rand.Uniform(length, length, -4f, 4f), dy = Rand.Uniform(length + 1, length);
        using var tx = Tensor.FromArray(dev, x, length);
        using var ty = Tensor.Allocate(dev, length);
        using var tdy = Tensor.FromArray(dev, dy, length);
        using var tdx = Tensor.Allocate(dev, length);

        foreach (var s in Splits(length))
        {
            ty.CopyFrom(Rand.Uniform(99, length));
            tdx.CopyFrom(Rand.Uniform(98, length));
            Forward(kind, s, tx, ty);
            Backward(kind, s, tx, ty, tdy, tdx);
            Compare.Close(ActivationReference.Forward(kind, x), ty.ToArray(), what: $"{kind} y");
            Compare.Close(ActivationReference.Backward(kind, x, dy), tdx.ToArray(), what: $"{kind} dX");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BackwardMatchesCentralDifferencesOfReferenceForward(ActivationKind kind, int length)
    {
        var dev = TestDevice.Current;
        float[] x = Rand.Uniform(length + 2, length, -4f, 4f), dy = Rand.Uniform(length + 3, length);
        // Keep away from ReLU's kink, where a difference quotient straddles two slopes.
        for (int i = 0; i < length; i++) if (Math.Abs(x[i]) < 0.01f) x[i] = 0.5f;
        using var tx = Tensor.FromArray(dev, x, length);
        using var ty = Tensor.Allocate(dev, length);
        using var tdy = Tensor.FromArray(dev, dy, length);
        using var tdx = Tensor.Allocate(dev, length);
        Forward(kind, dev.Split(length), tx, ty);
        Backward(kind, dev.Split(length), tx, ty, tdy, tdx);

        // dL/dx for L = Σ dy·f(x), one coordinate at a time (f is element-wise).
        const double h = 1e-4;
        var numeric = new double[length];
        for (int i = 0; i < length; i++)
            numeric[i] = dy[i] * (ActivationReference.Value(kind, x[i] + h) - ActivationReference.Value(kind, x[i] - h)) / (2 * h);
        Compare.Close(numeric, tdx.ToArray(), rtol: 1e-4, atol: 1e-6, what: $"{kind} dX vs central differences");
    }

    [Theory]
    [InlineData(ActivationKind.Relu)]
    [InlineData(ActivationKind.Sigmoid)]
    [InlineData(ActivationKind.Tanh)]
    public void InPlaceLaunchesGiveTheSameResults(ActivationKind kind)
    {
        var dev = TestDevice.Current;
        const int length = 3 * 784 + 5;
        float[] x = Rand.Uniform(7, length, -4f, 4f), dy = Rand.Uniform(8, length);
        using var tx = Tensor.FromArray(dev, x, length);
        using var ty = Tensor.Allocate(dev, length);
        using var tdy = Tensor.FromArray(dev, dy, length);
        using var tdx = Tensor.Allocate(dev, length);
        var s = dev.Split(length);
        Forward(kind, s, tx, ty);
        Backward(kind, s, tx, ty, tdy, tdx);
        float[] y = ty.ToArray(), dx = tdx.ToArray();

        // y over x, then dX over dY; ReLU's backward then reads the output, which it allows.
        Forward(kind, s, tx, tx);
        Backward(kind, s, tx, tx, tdy, tdy);
        Assert.Equal(y, tx.ToArray());
        Assert.Equal(dx, tdy.ToArray());
    }

    [Theory]
    [InlineData(ActivationKind.Relu)]
    [InlineData(ActivationKind.Sigmoid)]
    [InlineData(ActivationKind.Tanh)]
    public void ExtremeInputsGiveFiniteAccurateOutputs(ActivationKind kind)
    {
        var dev = TestDevice.Current;
        float[] x = { -1000f, -100f, -30f, -5f, -1e-6f, 0f, 1e-6f, 5f, 30f, 100f, 1000f };
        using var tx = Tensor.FromArray(dev, x, x.Length);
        using var ty = Tensor.Allocate(dev, x.Length);
        Forward(kind, dev.Split(x.Length), tx, ty);
        // Relative precision down to the smallest normal float; below it only the absolute error counts.
        Compare.Close(ActivationReference.Forward(kind, x), ty.ToArray(), rtol: 1e-6, atol: 1e-37, what: $"{kind} y");
    }

    [Fact]
    public void ReluPropagatesNaN()
    {
        var dev = TestDevice.Current;
        using var tx = Tensor.FromArray(dev, new[] { float.NaN, -1f, 2f }, 3);
        using var ty = Tensor.Allocate(dev, 3);
        Forward(ActivationKind.Relu, dev.Split(3), tx, ty);
        float[] y = ty.ToArray();
        Assert.True(float.IsNaN(y[0]));
        Assert.Equal(new[] { 0f, 2f }, y[1..]);
    }

    private static WorkSplit[] Splits(int count) =>
        [TestDevice.Current.Split(count), WorkSplit.Chunked(count, 3), WorkSplit.Strided(count, 5)];

    private static void Forward(ActivationKind kind, WorkSplit s, Tensor x, Tensor y)
    {
        Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>> kernel = kind switch
        {
            ActivationKind.Relu => Activation.ReluForward,
            ActivationKind.Sigmoid => Activation.SigmoidForward,
            _ => Activation.TanhForward,
        };
        TestDevice.Current.KernelCache.Load(kernel)(s.Threads, s, x.View, y.View);
    }

    /// <summary>ReLU's backward is given the input x, sigmoid's and tanh's the output y.</summary>
    private static void Backward(ActivationKind kind, WorkSplit s, Tensor x, Tensor y, Tensor dy, Tensor dx)
    {
        Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>> kernel = kind switch
        {
            ActivationKind.Relu => Activation.ReluBackward,
            ActivationKind.Sigmoid => Activation.SigmoidBackward,
            _ => Activation.TanhBackward,
        };
        TestDevice.Current.KernelCache.Load(kernel)(s.Threads, s, kind == ActivationKind.Relu ? x.View : y.View, dy.View, dx.View);
    }
}
