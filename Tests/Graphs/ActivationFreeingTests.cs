using ILGPU.Runtime;
using Xunit.Abstractions;

namespace IlgpuBlindSpots.Tests.Graphs;

/// <summary>
/// A graph model keeps after a forward pass only the values the announced backward pass reads (and
/// its output), gives the rest of its layers' memory back to its pool as soon as the last reader has
/// run, and computes the same numbers as when every layer keeps its own buffers.
/// </summary>
public class ActivationFreeingTests(ITestOutputHelper output)
{
    // GraphModelTests.Build's values: 0 input, 1 conv, 2 relu, 3 conv + relu, 4 that sum times the
    // input, 5 its flattening (the same memory: 4 itself is read by nothing after the flattening, but
    // its memory is held as 5), 6 the logits of a dense layer.
    [Theory]
    [InlineData(BackwardUse.None, new[] { 6 })]
    [InlineData(BackwardUse.Input, new[] { 2, 3, 6 })]
    [InlineData(BackwardUse.Parameters, new[] { 2, 3, 5, 6 })]
    public void KeepsOnlyWhatTheBackwardPassReads(BackwardUse then, int[] expected)
    {
        using var model = GraphModelTests.Build();
        using var x = Tensor.FromArray(TestDevice.Current, Rand.Uniform(31, 2 * 16), [2, 1, 4, 4]);
        model.Forward(x, training: false, then);
        // ReLU reads its output; the product reads its factors (the sum; the input is the caller's);
        // the dense layer reads its input only for its weight gradient; the conv, the sum and the flattening read nothing.
        Assert.Equal(expected, model.HeldValues);
    }

    [Fact]
    public void BackwardBeyondWhatTheForwardPassKeptIsRefused()
    {
        using var model = GraphModelTests.Build();
        using var x = Tensor.FromArray(TestDevice.Current, Rand.Uniform(32, 2 * 16), [2, 1, 4, 4]);
        using var dy = Tensor.FromArray(TestDevice.Current, Rand.Uniform(33, 2 * 3), [2, 3]);
        model.Forward(x, training: false, BackwardUse.None);
        Assert.Throws<InvalidOperationException>(() => model.Backward(dy, parameterGradients: false));
        model.Forward(x, training: false, BackwardUse.Input);
        Assert.Throws<InvalidOperationException>(() => model.Backward(dy, parameterGradients: true));
    }

    [Fact]
    public void Resnet18GivesTheSameNumbersInLessMemory()
    {
        string path = RepoFiles.Fixture("graphs/resnet18_op13.onnx");
        var device = TestDevice.Current;
        float[] input = TorchvisionGraphTests.ReadFloats("input.bin");
        using var freeing = OnnxModelFile.Load(device, path) as GraphModel ?? throw new InvalidOperationException("not a graph");
        using var keeping = OnnxModelFile.Load(device, path) as GraphModel ?? throw new InvalidOperationException("not a graph");
        keeping.FreesActivations = false;
        using var x = Tensor.FromArray(device, input, [2, 3, 32, 32]);
        using var labels = device.Accelerator.Allocate1D(new[] { 3, 7 });
        foreach (var model in new[] { freeing, keeping })
        {
            model.Logits(x, BackwardUse.None);
            model.InputGradient(x, labels.View);
            model.ZeroGradients();
            model.ParameterGradients(x, labels.View, training: false);
        }
        Assert.Equal(keeping.Logits(x, BackwardUse.None).ToArray(), freeing.Logits(x, BackwardUse.None).ToArray());
        Assert.Equal(keeping.InputGradient(x, labels.View).InputGradient.ToArray(), freeing.InputGradient(x, labels.View).InputGradient.ToArray());
        for (int i = 0; i < freeing.Parameters.Count; i++)
            Assert.Equal(keeping.Parameters[i].Gradient.ToArray(), freeing.Parameters[i].Gradient.ToArray());
        output.WriteLine($"resnet18 (reduced width, 2×3×32×32): peak layer memory {freeing.PeakActivationBytes} bytes freed as read, {keeping.PeakActivationBytes} kept per layer; pool {freeing.ActivationBytes} vs {keeping.ActivationBytes} bytes");
        Assert.True(freeing.PeakActivationBytes * 2 < keeping.PeakActivationBytes,
            $"peak {freeing.PeakActivationBytes} bytes freeing, {keeping.PeakActivationBytes} keeping");
    }
}
