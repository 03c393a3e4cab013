using System.Reflection;
using ILGPU.Algorithms;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.OpenCL;
using ILGPU.Backends.PTX;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;
using ILGPU;
using ILGPU.Runtime;

namespace IlgpuBlindSpots.Tests.Kernels;

/// <summary>
/// Compiles every kernel of the Kernels assembly for CUDA (PTX, sm_60 and sm_90) and OpenCL C 2.0
/// with no GPU present. The CPU accelerator runs code a GPU backend rejects, so this is what keeps
/// the CUDA/OpenCL promise honest in CI. Kernels are found by reflection: a kernel added later is
/// covered without touching this file.
/// </summary>
public class BackendCompileTests
{
    /// <summary>Every public static method of a static class in the Kernels assembly whose first parameter is an ILGPU index.</summary>
    public static IEnumerable<MethodInfo> AllKernels() =>
        typeof(IlgpuBlindSpots.Kernels.WorkSplit).Assembly.GetExportedTypes()
            .Where(t => t.IsAbstract && t.IsSealed)
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(IsKernel)
            .OrderBy(m => m.DeclaringType!.Name + "." + m.Name);

    public static TheoryData<string> KernelNames()
    {
        var data = new TheoryData<string>();
        foreach (var m in AllKernels()) data.Add(Name(m));
        return data;
    }

    [Fact]
    public void KernelsAreFoundByReflection()
    {
        var names = AllKernels().Select(Name).ToList();
        // The dense family is the fixed point of the enumeration: if reflection finds none of it, the filter is broken.
        Assert.Contains("Dense.Forward", names);
        Assert.Contains("Dense.BackwardWeights", names);
        Assert.Contains("DenseGroupedGemm.Product", names);
        Assert.Contains("ConvGroupedGemm.Forward", names);
        Assert.Contains("ConvGroupedGemm.BackwardInput", names);
        Assert.Contains("WeightSearchSteps.Advance", names);
        Assert.Equal(names.Count, names.Distinct().Count()); // overloads would make the theory ambiguous
    }

    [Theory]
    [MemberData(nameof(KernelNames))]
    public void CompilesForPtxSm60AndSm90(string kernel)
    {
        var method = Find(kernel);
        using var context = Context.Create(b => b.EnableAlgorithms().Math(MathMode.Default));
        foreach (var (arch, isa) in new[]
                 {
                     (CudaArchitecture.SM_60, CudaInstructionSet.ISA_60),
                     (CudaArchitecture.SM_90, CudaInstructionSet.ISA_80),
                 })
        {
            using var backend = new PTXBackend(context, new CudaCapabilityContext(arch), arch, isa, null);
            var compiled = (PTXCompiledKernel)backend.Compile(Describe(method), default);
            Assert.Contains(".entry", compiled.PTXAssembly);
            // ILGPU targets the lowest architecture its capability set needs; the driver JIT-compiles
            // that PTX for the card, so the target must simply not exceed the requested one.
            var target = System.Text.RegularExpressions.Regex.Match(compiled.PTXAssembly, @"\.target sm_(\d+)");
            Assert.True(target.Success, "no .target line in the PTX");
            Assert.InRange(int.Parse(target.Groups[1].Value), 60, arch.Major * 10 + arch.Minor);
        }
    }

    [Theory]
    [MemberData(nameof(KernelNames))]
    public void CompilesForOpenClC20(string kernel)
    {
        var method = Find(kernel);
        using var context = Context.Create(b => b.EnableAlgorithms().Math(MathMode.Default));
        // A typical OpenCL 2.0 GPU: doubles, generic address space and 64-bit atomics, no half floats or subgroups.
        var caps = new CLCapabilityContext(false, true, true, true, false);
        using var backend = new CLBackend(context, caps, CLDeviceVendor.Other, CLCVersion.CL20);
        var compiled = (CLCompiledKernel)backend.Compile(Describe(method), default);
        Assert.Contains("kernel", compiled.Source);
    }

    /// <summary>An implicitly grouped kernel (first parameter an index) or an explicitly grouped one (every parameter a view or a struct, no index).</summary>
    private static bool IsKernel(MethodInfo m) =>
        m.ReturnType == typeof(void) && m.GetParameters() is { Length: > 0 } p &&
        (typeof(IIndex).IsAssignableFrom(p[0].ParameterType) || IsExplicitlyGrouped(m));

    private static bool IsExplicitlyGrouped(MethodInfo m) =>
        m.GetParameters().All(p => p.ParameterType.IsValueType && !p.ParameterType.IsPrimitive && !typeof(IIndex).IsAssignableFrom(p.ParameterType))
        && m.GetParameters()[0].ParameterType.IsGenericType && m.GetParameters()[0].ParameterType.GetGenericTypeDefinition() == typeof(ArrayView<>);

    private static EntryPointDescription Describe(MethodInfo m) => IsExplicitlyGrouped(m)
        ? EntryPointDescription.FromExplicitlyGroupedKernel(m)
        : EntryPointDescription.FromImplicitlyGroupedKernel(m);

    private static string Name(MethodInfo m) => $"{m.DeclaringType!.Name}.{m.Name}";

    private static MethodInfo Find(string name) => AllKernels().Single(m => Name(m) == name);
}
