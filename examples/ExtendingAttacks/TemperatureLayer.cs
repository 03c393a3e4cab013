using ILGPU;
using IlgpuBlindSpots.Kernels;
using IlgpuBlindSpots.Network;
using IlgpuBlindSpots.Network.Layers;

namespace IlgpuBlindSpots.ExtendingAttacks;

/// <summary>
/// A custom layer: logits divided by a temperature T (as in defensive distillation). It loads its
/// kernel once through the device's kernel cache and launches it with the device's work split, so
/// it runs on the CPU accelerator, CUDA or OpenCL alike.
/// </summary>
public sealed class TemperatureLayer : ILayer
{
    private readonly ComputeDevice device;
    private readonly LayerBuffer output = new(), inputGradient = new();
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, float> scale;

    /// <summary>Divides its input by <paramref name="temperature"/> on <paramref name="device"/>.</summary>
    public TemperatureLayer(ComputeDevice device, float temperature)
    {
        if (!(temperature > 0 && float.IsFinite(temperature)))
            throw new BlindSpotsException($"temperature {temperature} must be positive");
        this.device = device;
        Temperature = temperature;
        scale = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, float>(TemperatureKernels.Scale);
    }

    /// <summary>T: the logits are divided by it.</summary>
    public float Temperature { get; }
    /// <inheritdoc/>
    public string Spec => $"temperature:{Temperature}";
    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [];
    /// <inheritdoc/>
    public int[] OutputShape(int[] inputShape) => (int[])inputShape.Clone();

    /// <inheritdoc/>
    public Tensor Forward(Tensor input, bool training) => Apply(input, output);

    /// <inheritdoc/>
    public Tensor Backward(Tensor outputGradient, bool parameterGradients) => Apply(outputGradient, inputGradient);

    private Tensor Apply(Tensor x, LayerBuffer into)
    {
        var y = into.Get(device, x.Shape.ToArray());
        var split = device.Split(x.Length);
        scale(split.Threads, split, x.View, y.View, 1f / Temperature);
        return y;
    }

    /// <summary>Frees the layer's buffers.</summary>
    public void Dispose()
    {
        output.Dispose();
        inputGradient.Dispose();
    }
}
