using ILGPU;
using ILGPU.Runtime;
using IlgpuBlindSpots.Kernels;

namespace IlgpuBlindSpots.Network;

/// <summary>
/// The dense layer's products on one device, each in the kernel that suits the backend: on ILGPU's
/// CPU accelerator the register-tiled <see cref="Kernels.Dense"/> kernels (the forward product read
/// in quads when K is divisible by 4), on GPU and OpenCL backends the shared-memory tiled
/// <see cref="DenseGroupedGemm"/>. Both sum every output in the same order, so they agree exactly.
/// </summary>
internal sealed class DenseProducts
{
    private readonly ComputeDevice device;
    private readonly bool grouped;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>? forward;
    private readonly Action<Index1D, WorkSplit, ArrayView<Quad>, ArrayView<Quad>, ArrayView<float>, ArrayView<float>, int, int, int>? forwardQuads;
    private Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>? forwardRelu;
    private Action<Index1D, WorkSplit, ArrayView<Quad>, ArrayView<Quad>, ArrayView<float>, ArrayView<float>, int, int, int>? forwardQuadsRelu;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>? backwardInput;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, float>? backwardWeights;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmShape>? product;
    private readonly Action<Index1D, WorkSplit, ArrayView<float>, ArrayView<float>, int, int, float> backwardBias;

    public DenseProducts(ComputeDevice device)
    {
        this.device = device;
        grouped = device.PrefersGroupedKernels;
        var k = device.KernelCache;
        if (grouped)
            product = k.LoadGrouped<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmShape>(DenseGroupedGemm.Product);
        else
        {
            forward = k.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(Kernels.Dense.Forward);
            forwardQuads = k.Load<WorkSplit, ArrayView<Quad>, ArrayView<Quad>, ArrayView<float>, ArrayView<float>, int, int, int>(Kernels.Dense.ForwardQuads);
            backwardInput = k.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(Kernels.Dense.BackwardInput);
            backwardWeights = k.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, float>(Kernels.Dense.BackwardWeights);
        }
        backwardBias = k.Load<WorkSplit, ArrayView<float>, ArrayView<float>, int, int, float>(Kernels.Dense.BackwardBias);
    }

    /// <summary>
    /// y = x·Wᵀ + b, or with <paramref name="relu"/> max(x·Wᵀ + b, 0) in the same launch (the floats
    /// of the product and a separate ReLU): x [B, K], W [N, K], b [N], y [B, N].
    /// </summary>
    public void Forward(ArrayView<float> x, ArrayView<float> w, ArrayView<float> bias, ArrayView<float> y, int batch, int inFeatures, int outFeatures,
        bool relu = false)
    {
        if (grouped)
            Launch(x, w, y, bias, GemmShape.DenseForward(batch, inFeatures, outFeatures, relu));
        else if (inFeatures % 4 == 0)
        {
            var s = device.Split(Kernels.Dense.ForwardQuadsItems(batch, outFeatures));
            var kernel = relu ? forwardQuadsRelu ??= device.KernelCache.Load<WorkSplit, ArrayView<Quad>, ArrayView<Quad>, ArrayView<float>, ArrayView<float>, int, int, int>(Kernels.Dense.ForwardQuadsRelu)
                : forwardQuads!;
            kernel(s.Threads, s, x.Cast<Quad>(), w.Cast<Quad>(), bias, y, batch, inFeatures / 4, outFeatures);
        }
        else
        {
            var s = device.Split(Tiles(batch) * Tiles(outFeatures));
            var kernel = relu ? forwardRelu ??= device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(Kernels.Dense.ForwardRelu)
                : forward!;
            kernel(s.Threads, s, x, w, bias, y, batch, inFeatures, outFeatures);
        }
    }

    /// <summary>dX = dY·W, overwritten: dY [B, N], W [N, K], dX [B, K].</summary>
    public void BackwardInput(ArrayView<float> dy, ArrayView<float> w, ArrayView<float> dx, int batch, int inFeatures, int outFeatures)
    {
        if (grouped)
        {
            Launch(dy, w, dx, dy, GemmShape.DenseBackwardInput(batch, inFeatures, outFeatures));
            return;
        }
        var s = device.Split(Tiles(batch) * Tiles(inFeatures));
        backwardInput!(s.Threads, s, dy, w, dx, batch, inFeatures, outFeatures);
    }

    /// <summary>dW = beta·dW + dYᵀ·x and db = beta·db + Σ_b dY; beta 0 overwrites, 1 accumulates.</summary>
    public void BackwardParameters(ArrayView<float> dy, ArrayView<float> x, ArrayView<float> dw, ArrayView<float> db,
        int batch, int inFeatures, int outFeatures, float beta)
    {
        if (grouped)
            Launch(dy, x, dw, dy, GemmShape.DenseBackwardWeights(batch, inFeatures, outFeatures, beta));
        else
        {
            var sw = device.Split(Tiles(outFeatures) * Tiles(inFeatures));
            backwardWeights!(sw.Threads, sw, dy, x, dw, batch, inFeatures, outFeatures, beta);
        }
        var sb = device.Split(outFeatures);
        backwardBias(sb.Threads, sb, dy, db, batch, outFeatures, beta);
    }

    private void Launch(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> bias, GemmShape g) =>
        product!(new KernelConfig(DenseGroupedGemm.Groups(g), GemmTile.GroupSize), a, b, c, bias, g);

    private static int Tiles(int n) => (n + 3) / 4;
}
