using System.Collections.Concurrent;
using System.Reflection;
using ILGPU;
using ILGPU.Runtime;

namespace IlgpuBlindSpots.Network;

/// <summary>
/// Loads (compiles) each kernel once per accelerator and hands out its launcher on the default
/// stream. Callers pass the kernel method itself, so adding a kernel needs no edit here: a layer or
/// an attack of one's own loads its kernels through <see cref="ComputeDevice.KernelCache"/> and launches them
/// over <see cref="ComputeDevice.Split"/>, as the built-in ones do.
/// </summary>
/// <remarks>
/// Launchers are cheap to look up but layers still keep theirs in fields: the lookup is for the
/// first call, compilation happens once.
/// </remarks>
public sealed class KernelCache
{
    private readonly Accelerator accelerator;
    private readonly ConcurrentDictionary<MethodInfo, Delegate> cache = new();

    internal KernelCache(Accelerator accelerator) => this.accelerator = accelerator;

    /// <summary>How many distinct kernels have been loaded.</summary>
    public int Count => cache.Count;

    /// <summary>An explicitly grouped kernel of 4 parameters: launched with a <see cref="KernelConfig"/>.</summary>
    public Action<KernelConfig, T1, T2, T3, T4> LoadGrouped<T1, T2, T3, T4>(Action<T1, T2, T3, T4> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct =>
        (Action<KernelConfig, T1, T2, T3, T4>)cache.GetOrAdd(kernel.Method, _ => accelerator.LoadStreamKernel(kernel));

    /// <summary>An explicitly grouped kernel (shared memory, barriers): launched with a <see cref="KernelConfig"/>.</summary>
    public Action<KernelConfig, T1, T2, T3, T4, T5> LoadGrouped<T1, T2, T3, T4, T5>(Action<T1, T2, T3, T4, T5> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct =>
        (Action<KernelConfig, T1, T2, T3, T4, T5>)cache.GetOrAdd(kernel.Method, _ => accelerator.LoadStreamKernel(kernel));

    /// <summary>An explicitly grouped kernel of 9 parameters: launched with a <see cref="KernelConfig"/>.</summary>
    public Action<KernelConfig, T1, T2, T3, T4, T5, T6, T7, T8, T9> LoadGrouped<T1, T2, T3, T4, T5, T6, T7, T8, T9>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct =>
        (Action<KernelConfig, T1, T2, T3, T4, T5, T6, T7, T8, T9>)cache.GetOrAdd(kernel.Method, _ => accelerator.LoadStreamKernel(kernel));

    /// <summary>An explicitly grouped kernel of 12 parameters: launched with a <see cref="KernelConfig"/>.</summary>
    public Action<KernelConfig, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12> LoadGrouped<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct where T12 : struct =>
        (Action<KernelConfig, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12>)cache.GetOrAdd(kernel.Method, _ => accelerator.LoadStreamKernel(kernel));

    /// <summary>An explicitly grouped kernel of 13 parameters: launched with a <see cref="KernelConfig"/>.</summary>
    public Action<KernelConfig, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13> LoadGrouped<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct where T12 : struct where T13 : struct =>
        (Action<KernelConfig, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13>)cache.GetOrAdd(kernel.Method, _ => accelerator.LoadStreamKernel(kernel));

    /// <summary>The launcher of <paramref name="kernel"/> (a static, implicitly grouped kernel), compiled for this accelerator on first use.</summary>
    public Action<Index1D, T1> Load<T1>(Action<Index1D, T1> kernel) where T1 : struct =>
        (Action<Index1D, T1>)cache.GetOrAdd(kernel.Method, _ => accelerator.LoadAutoGroupedStreamKernel(kernel));

    /// <summary>The launcher of <paramref name="kernel"/> (a static, implicitly grouped kernel), compiled for this accelerator on first use.</summary>
    public Action<Index1D, T1, T2> Load<T1, T2>(Action<Index1D, T1, T2> kernel) where T1 : struct where T2 : struct =>
        (Action<Index1D, T1, T2>)cache.GetOrAdd(kernel.Method, _ => accelerator.LoadAutoGroupedStreamKernel(kernel));

    /// <summary>The launcher of <paramref name="kernel"/> (a static, implicitly grouped kernel), compiled for this accelerator on first use.</summary>
    public Action<Index1D, T1, T2, T3> Load<T1, T2, T3>(Action<Index1D, T1, T2, T3> kernel) where T1 : struct where T2 : struct where T3 : struct =>
        (Action<Index1D, T1, T2, T3>)cache.GetOrAdd(kernel.Method, _ => accelerator.LoadAutoGroupedStreamKernel(kernel));

    /// <summary>The launcher of <paramref name="kernel"/> (a static, implicitly grouped kernel), compiled for this accelerator on first use.</summary>
    public Action<Index1D, T1, T2, T3, T4> Load<T1, T2, T3, T4>(Action<Index1D, T1, T2, T3, T4> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct =>
        (Action<Index1D, T1, T2, T3, T4>)cache.GetOrAdd(kernel.Method, _ => accelerator.LoadAutoGroupedStreamKernel(kernel));

    /// <summary>The launcher of <paramref name="kernel"/> (a static, implicitly grouped kernel), compiled for this accelerator on first use.</summary>
    public Action<Index1D, T1, T2, T3, T4, T5> Load<T1, T2, T3, T4, T5>(Action<Index1D, T1, T2, T3, T4, T5> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct =>
        (Action<Index1D, T1, T2, T3, T4, T5>)cache.GetOrAdd(kernel.Method, _ => accelerator.LoadAutoGroupedStreamKernel(kernel));

    /// <summary>The launcher of <paramref name="kernel"/> (a static, implicitly grouped kernel), compiled for this accelerator on first use.</summary>
    public Action<Index1D, T1, T2, T3, T4, T5, T6> Load<T1, T2, T3, T4, T5, T6>(Action<Index1D, T1, T2, T3, T4, T5, T6> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct =>
        (Action<Index1D, T1, T2, T3, T4, T5, T6>)cache.GetOrAdd(kernel.Method, _ => accelerator.LoadAutoGroupedStreamKernel(kernel));

    /// <summary>The launcher of <paramref name="kernel"/> (a static, implicitly grouped kernel), compiled for this accelerator on first use.</summary>
    public Action<Index1D, T1, T2, T3, T4, T5, T6, T7> Load<T1, T2, T3, T4, T5, T6, T7>(Action<Index1D, T1, T2, T3, T4, T5, T6, T7> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct =>
        (Action<Index1D, T1, T2, T3, T4, T5, T6, T7>)cache.GetOrAdd(kernel.Method, _ => accelerator.LoadAutoGroupedStreamKernel(kernel));

    /// <summary>The launcher of <paramref name="kernel"/> (a static, implicitly grouped kernel), compiled for this accelerator on first use.</summary>
    public Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8> Load<T1, T2, T3, T4, T5, T6, T7, T8>(Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct =>
        (Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8>)cache.GetOrAdd(kernel.Method, _ => accelerator.LoadAutoGroupedStreamKernel(kernel));

    /// <summary>The launcher of <paramref name="kernel"/> (a static, implicitly grouped kernel), compiled for this accelerator on first use.</summary>
    public Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8, T9> Load<T1, T2, T3, T4, T5, T6, T7, T8, T9>(Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8, T9> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct =>
        (Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8, T9>)cache.GetOrAdd(kernel.Method, _ => accelerator.LoadAutoGroupedStreamKernel(kernel));

    /// <summary>The launcher of <paramref name="kernel"/> (a static, implicitly grouped kernel), compiled for this accelerator on first use.</summary>
    public Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10> Load<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10>(Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct =>
        (Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10>)cache.GetOrAdd(kernel.Method, _ => accelerator.LoadAutoGroupedStreamKernel(kernel));

    /// <summary>The launcher of <paramref name="kernel"/> (a static, implicitly grouped kernel), compiled for this accelerator on first use.</summary>
    public Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11> Load<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11>(Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct =>
        (Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11>)cache.GetOrAdd(kernel.Method, _ => accelerator.LoadAutoGroupedStreamKernel(kernel));

    /// <summary>The launcher of <paramref name="kernel"/> (a static, implicitly grouped kernel), compiled for this accelerator on first use.</summary>
    public Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12> Load<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12>(Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct where T12 : struct =>
        (Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12>)cache.GetOrAdd(kernel.Method, _ => accelerator.LoadAutoGroupedStreamKernel(kernel));

    /// <summary>The launcher of <paramref name="kernel"/> (a static, implicitly grouped kernel), compiled for this accelerator on first use.</summary>
    public Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13> Load<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13>(Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct where T12 : struct where T13 : struct =>
        (Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13>)cache.GetOrAdd(kernel.Method, _ => accelerator.LoadAutoGroupedStreamKernel(kernel));

    /// <summary>The launcher of <paramref name="kernel"/> (a static, implicitly grouped kernel), compiled for this accelerator on first use.</summary>
    public Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14> Load<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14>(Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14> kernel) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct where T12 : struct where T13 : struct where T14 : struct =>
        (Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14>)cache.GetOrAdd(kernel.Method, _ => accelerator.LoadAutoGroupedStreamKernel(kernel));
}
