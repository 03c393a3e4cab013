using ILGPU;
using ILGPU.Runtime;

namespace IlgpuBlindSpots.Tests.Kernels;

/// <summary>Softmax and cross-entropy kernels against <see cref="SoftmaxCrossEntropyReference"/>.</summary>
public class SoftmaxCrossEntropyTests
{
    public static TheoryData<int, int> Shapes => new()
    {
        { 1, 1 }, { 1, 10 }, { 3, 7 }, { 17, 10 }, { 3, 784 }, { 17, 1 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SoftmaxMatchesFloat64ReferenceForEverySplitAndInPlace(int batch, int classes)
    {
        var dev = TestDevice.Current;
        float[] z = Rand.Uniform(batch * 100 + classes, batch * classes, -5f, 5f);
        using var tz = Tensor.FromArray(dev, z, batch, classes);
        using var tp = Tensor.Allocate(dev, batch, classes);
        double[] expected = SoftmaxCrossEntropyReference.Softmax(ToDouble(z), batch, classes);
        foreach (var s in Splits(batch))
        {
            tp.CopyFrom(Rand.Uniform(99, batch * classes));
            Softmax(s, tz, tp, classes);
            Compare.Close(expected, tp.ToArray(), rtol: 1e-5, atol: 1e-7, what: "probabilities");
        }
        Softmax(dev.Split(batch), tz, tz, classes);
        Compare.Close(expected, tz.ToArray(), rtol: 1e-5, atol: 1e-7, what: "probabilities in place");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void LossAndGradientMatchFloat64ReferenceForEverySplit(int batch, int classes)
    {
        var dev = TestDevice.Current;
        float[] z = Rand.Uniform(batch * 100 + classes, batch * classes, -5f, 5f);
        int[] labels = Labels(batch, classes, seed: batch + classes);
        using var tz = Tensor.FromArray(dev, z, batch, classes);
        using var tlabels = dev.Accelerator.Allocate1D(labels);
        using var tloss = Tensor.Allocate(dev, batch);
        using var tloss2 = Tensor.Allocate(dev, batch);
        using var tdz = Tensor.Allocate(dev, batch, classes);
        double[] expectedLoss = SoftmaxCrossEntropyReference.Loss(ToDouble(z), labels, batch, classes);

        foreach (float scale in new[] { 1f / batch, 1f })
            foreach (var s in Splits(batch))
            {
                tdz.CopyFrom(Rand.Uniform(98, batch * classes));
                LossAndGradient(s, tz, tlabels.View, tloss, tdz, classes, scale);
                Loss(s, tz, tlabels.View, tloss2, classes);
                Compare.Close(expectedLoss, tloss.ToArray(), what: "loss");
                Compare.Close(expectedLoss, tloss2.ToArray(), what: "loss without gradient");
                Compare.Close(SoftmaxCrossEntropyReference.Gradient(ToDouble(z), labels, batch, classes, scale),
                    tdz.ToArray(), rtol: 1e-5, atol: 1e-7, what: $"dZ, scale {scale}");
            }
    }

    [Theory]
    [InlineData(1, 10)]
    [InlineData(3, 7)]
    [InlineData(17, 10)]
    [InlineData(2, 1)]
    public void GradientMatchesCentralDifferencesOfReferenceLoss(int batch, int classes)
    {
        var dev = TestDevice.Current;
        float[] z = Rand.Uniform(batch + 7 * classes, batch * classes, -3f, 3f);
        int[] labels = Labels(batch, classes, seed: 3 * batch + classes);
        double scale = 1.0 / batch;
        using var tz = Tensor.FromArray(dev, z, batch, classes);
        using var tlabels = dev.Accelerator.Allocate1D(labels);
        using var tloss = Tensor.Allocate(dev, batch);
        using var tdz = Tensor.Allocate(dev, batch, classes);
        LossAndGradient(dev.Split(batch), tz, tlabels.View, tloss, tdz, classes, (float)scale);

        // L(z) = scale·Σ_b loss_b, the mean loss, differentiated one logit at a time.
        const double h = 1e-4;
        var numeric = new double[z.Length];
        for (int i = 0; i < z.Length; i++)
        {
            double[] plus = ToDouble(z), minus = ToDouble(z);
            plus[i] += h;
            minus[i] -= h;
            numeric[i] = scale * (SoftmaxCrossEntropyReference.Loss(plus, labels, batch, classes).Sum()
                - SoftmaxCrossEntropyReference.Loss(minus, labels, batch, classes).Sum()) / (2 * h);
        }
        Compare.Close(numeric, tdz.ToArray(), rtol: 1e-4, atol: 1e-6, what: "dZ vs central differences");
    }

    [Fact]
    public void LogitsAroundPlusMinusAThousandStayFiniteAndExact()
    {
        var dev = TestDevice.Current;
        const int batch = 4, classes = 5;
        float[] z =
        {
            1000f, -1000f, 999f, 0f, 998f,
            -1000f, -1000f, -999f, -1000f, -1001f,
            1000f, 1000f, 1000f, 1000f, 1000f,
            -1000f, 1000f, -1000f, 1000f, 0f,
        };
        int[] labels = { 1, 2, 4, 0 };
        using var tz = Tensor.FromArray(dev, z, batch, classes);
        using var tp = Tensor.Allocate(dev, batch, classes);
        using var tlabels = dev.Accelerator.Allocate1D(labels);
        using var tloss = Tensor.Allocate(dev, batch);
        using var tdz = Tensor.Allocate(dev, batch, classes);
        var s = dev.Split(batch);
        Softmax(s, tz, tp, classes);
        LossAndGradient(s, tz, tlabels.View, tloss, tdz, classes, 1f);

        double[] zd = ToDouble(z);
        Compare.Close(SoftmaxCrossEntropyReference.Softmax(zd, batch, classes), tp.ToArray(), rtol: 1e-5, atol: 1e-7, what: "probabilities");
        Compare.Close(SoftmaxCrossEntropyReference.Loss(zd, labels, batch, classes), tloss.ToArray(), rtol: 1e-6, atol: 1e-6, what: "loss");
        Compare.Close(SoftmaxCrossEntropyReference.Gradient(zd, labels, batch, classes, 1.0), tdz.ToArray(), rtol: 1e-5, atol: 1e-7, what: "dZ");
    }

    [Fact]
    public void TinyLossAndItsGradientKeepTheirRelativePrecision()
    {
        var dev = TestDevice.Current;
        const int classes = 10;
        // Confidently right predictions, as an attack nearing its target produces: losses 1e-4 down to 1e-8.
        float[] z = new float[3 * classes];
        z[0] = 20f;
        z[classes + 3] = 10f;
        z[2 * classes + 9] = 15f;
        z[2 * classes + 2] = 3f;
        int[] labels = { 0, 3, 9 };
        using var tz = Tensor.FromArray(dev, z, 3, classes);
        using var tlabels = dev.Accelerator.Allocate1D(labels);
        using var tloss = Tensor.Allocate(dev, 3);
        using var tdz = Tensor.Allocate(dev, 3, classes);
        LossAndGradient(dev.Split(3), tz, tlabels.View, tloss, tdz, classes, 1f);

        double[] zd = ToDouble(z);
        double[] loss = SoftmaxCrossEntropyReference.Loss(zd, labels, 3, classes);
        Assert.InRange(loss[0], 1e-8, 2e-8);
        Compare.Close(loss, tloss.ToArray(), rtol: 1e-5, atol: 0, what: "loss");
        Compare.Close(SoftmaxCrossEntropyReference.Gradient(zd, labels, 3, classes, 1.0), tdz.ToArray(), rtol: 1e-5, atol: 0, what: "dZ");
    }

    [Fact]
    public void GradientMayOverwriteTheLogits()
    {
        var dev = TestDevice.Current;
        const int batch = 17, classes = 10;
        float[] z = Rand.Uniform(21, batch * classes, -5f, 5f);
        int[] labels = Labels(batch, classes, seed: 22);
        using var tz = Tensor.FromArray(dev, z, batch, classes);
        using var tlabels = dev.Accelerator.Allocate1D(labels);
        using var tloss = Tensor.Allocate(dev, batch);
        using var tdz = Tensor.Allocate(dev, batch, classes);
        var s = dev.Split(batch);
        LossAndGradient(s, tz, tlabels.View, tloss, tdz, classes, 0.5f);
        float[] loss = tloss.ToArray(), dz = tdz.ToArray();

        LossAndGradient(s, tz, tlabels.View, tloss, tz, classes, 0.5f);
        Assert.Equal(loss, tloss.ToArray());
        Assert.Equal(dz, tz.ToArray());
    }

    [Fact]
    public void LabelOutsideTheClassesGivesNaNLossForItsRowOnly()
    {
        var dev = TestDevice.Current;
        const int batch = 3, classes = 4;
        float[] z = Rand.Uniform(31, batch * classes, -2f, 2f);
        int[] labels = { -1, classes, 2 };
        using var tz = Tensor.FromArray(dev, z, batch, classes);
        using var tlabels = dev.Accelerator.Allocate1D(labels);
        using var tloss = Tensor.Allocate(dev, batch);
        using var tdz = Tensor.Allocate(dev, batch, classes);
        LossAndGradient(dev.Split(batch), tz, tlabels.View, tloss, tdz, classes, 1f);

        float[] loss = tloss.ToArray();
        Assert.True(float.IsNaN(loss[0]));
        Assert.True(float.IsNaN(loss[1]));
        double[] zd = ToDouble(z);
        Assert.Equal(SoftmaxCrossEntropyReference.Loss(zd[(2 * classes)..], labels[2..], 1, classes)[0], loss[2], 5);
        // The bad rows' gradient is the softmax alone: no class gets the −1.
        var p = SoftmaxCrossEntropyReference.Softmax(zd, batch, classes);
        Compare.Close(p[..(2 * classes)], tdz.ToArray()[..(2 * classes)], what: "dZ of bad rows");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(1000)]
    public void MeanLossOfTheTwoStageReductionMatchesReference(int batch)
    {
        var dev = TestDevice.Current;
        const int classes = 10;
        float[] z = Rand.Uniform(batch, batch * classes, -5f, 5f);
        int[] labels = Labels(batch, classes, seed: batch + 1);
        using var tz = Tensor.FromArray(dev, z, batch, classes);
        using var tlabels = dev.Accelerator.Allocate1D(labels);
        using var tloss = Tensor.Allocate(dev, batch);
        Loss(dev.Split(batch), tz, tlabels.View, tloss, classes);

        var s = WorkSplit.Strided(batch, 64);
        using var partials = dev.Accelerator.Allocate1D<double>(s.Threads);
        using var mean = dev.Accelerator.Allocate1D<double>(1);
        dev.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<double>>(VectorOps.SumPartials)(
            s.Threads, s, tloss.View, partials.View);
        var one = dev.Split(1);
        dev.KernelCache.Load<WorkSplit, ArrayView<double>, ArrayView<double>, int, double, int>(VectorOps.FinishSum)(
            one.Threads, one, partials.View, mean.View, s.Threads, 1.0 / batch, 0);

        double expected = SoftmaxCrossEntropyReference.Loss(ToDouble(z), labels, batch, classes).Average();
        Assert.Equal(expected, mean.GetAsArray1D()[0], expected * 1e-6);
    }

    private static double[] ToDouble(float[] a) => a.Select(v => (double)v).ToArray();

    private static int[] Labels(int batch, int classes, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, batch).Select(_ => rng.Next(classes)).ToArray();
    }

    private static WorkSplit[] Splits(int count) =>
        [TestDevice.Current.Split(count), WorkSplit.Chunked(count, 3), WorkSplit.Strided(count, 5)];

    private static void Softmax(WorkSplit s, Tensor z, Tensor p, int classes) =>
        TestDevice.Current.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, int>(SoftmaxCrossEntropy.Softmax)(
            s.Threads, s, z.View, p.View, classes);

    private static void Loss(WorkSplit s, Tensor z, ArrayView<int> labels, Tensor loss, int classes) =>
        TestDevice.Current.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<float>, int>(SoftmaxCrossEntropy.Loss)(
            s.Threads, s, z.View, labels, loss.View, classes);

    private static void LossAndGradient(WorkSplit s, Tensor z, ArrayView<int> labels, Tensor loss, Tensor dz, int classes, float scale) =>
        TestDevice.Current.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, float>(
            SoftmaxCrossEntropy.LossAndGradient)(s.Threads, s, z.View, labels, loss.View, dz.View, classes, scale);
}
