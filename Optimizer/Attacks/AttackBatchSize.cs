using IlgpuBlindSpots.Network.Models;

namespace IlgpuBlindSpots.Optimizer.Attacks;

/// <summary>
/// The batch an attack takes on a device when the user names none. The CPU accelerator and an
/// OpenCL CPU device take the batch Bench measured fastest there (<see cref="ComputeDevice.FavouredBatch"/>:
/// 1,024 and 256, each inside the batches for which <c>auto</c> picks that device). A GPU takes the
/// whole run in flight, as far as half its memory holds the attack's buffers: a GPU is filled by
/// tens of thousands of problems, and every further batch is another set of solves.
/// </summary>
public static class AttackBatchSize
{
    /// <summary>
    /// Input-sized rows one problem of the L-BFGS attack keeps on the device besides the model's
    /// activations: 2·(m + 1) history rows at the default memory m, and the iterate, gradient, trial
    /// point and gradient, direction, free mask, bounds, best perturbation, original and gathered
    /// input (13). The other attacks keep fewer.
    /// </summary>
    internal static readonly int RowsPerProblem = 2 * (new LbfgsOptions().Memory + 1) + 13;

    /// <summary>The share of a GPU's memory the attack's buffers may take; the rest is headroom for the driver, kernels and the model.</summary>
    internal const double MemoryShare = 0.5;

    /// <summary>
    /// What decides one device's batch: the CPU devices' measured favourite, or a GPU's memory and
    /// what one problem needs there (<see cref="BytesPerProblem"/>).
    /// </summary>
    public sealed record DeviceRule(int? Favoured, long MemoryBytes, long BytesPerProblem)
    {
        /// <summary>The batch on this device for a run of <paramref name="examples"/> examples.</summary>
        public int For(int examples) => Favoured ?? ForMemory(MemoryBytes, BytesPerProblem, examples);
    }

    /// <summary>
    /// <paramref name="model"/>'s device's rule. Take it before the model's first pass: a model keeps
    /// its buffers, and a pass after a larger one allocates nothing to measure.
    /// </summary>
    public static DeviceRule RuleOf(Model model) => model.Device.FavouredBatch is int favoured
        ? new DeviceRule(favoured, 0, 0)
        : new DeviceRule(null, model.Device.Accelerator.MemorySize, BytesPerProblem(model));

    /// <summary>The batch for devices sharing one run of <paramref name="examples"/> examples: the smallest of each device's own, so that a batch fits every one of them.</summary>
    public static int Default(IReadOnlyList<DeviceRule> devices, int examples)
    {
        ArgumentOutOfRangeException.ThrowIfZero(devices.Count);
        return devices.Min(d => d.For(examples));
    }

    /// <summary>The whole run, as far as <see cref="MemoryShare"/> of <paramref name="memoryBytes"/> holds <paramref name="bytesPerProblem"/> each; at least 1.</summary>
    internal static int ForMemory(long memoryBytes, long bytesPerProblem, int examples)
    {
        long fits = (long)(memoryBytes * MemoryShare) / Math.Max(1, bytesPerProblem);
        return (int)Math.Max(1, Math.Min(fits, examples));
    }

    /// <summary>
    /// Device bytes one problem needs: the model's activations and their gradients, measured by a
    /// forward and backward pass of one example (what its layers allocate on this thread; nothing
    /// after a pass of more examples, whose buffers they reuse), and the attack's rows.
    /// </summary>
    public static long BytesPerProblem(Model model)
    {
        long before = Tensor.AllocatedBytesOnThisThread;
        using (var x = Tensor.Zeros(model.Device, [1, .. model.InputShape]))
            model.Backward(model.Forward(x, training: false), parameterGradients: false);
        model.Device.Synchronize();
        long activations = Tensor.AllocatedBytesOnThisThread - before;
        return activations + (long)RowsPerProblem * model.InputLength * sizeof(float);
    }
}
