using ILGPU;
using ILGPU.Runtime;
using IlgpuBlindSpots.Network.Layers;

namespace IlgpuBlindSpots.Optimizer.Analysis;

/// <summary>
/// Operator norms ‖A‖₂ = σ_max(A) of linear layers by power iteration on AᵀA, on the device: the
/// Lipschitz constant of a fully connected layer (the bias does not change it), and the norm of a
/// convolution exactly as the layer computes it (zero padding, stride) to check the Fourier bound.
/// </summary>
public static class SpectralNorm
{
    /// <summary>‖W‖₂ of a fully connected layer, W [out, in].</summary>
    public static PowerIterationResult OfDense(DenseLayer layer, PowerIterationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return OfMatrix(layer.Weight.Value, options);
    }

    /// <summary>
    /// ‖W‖₂ of a matrix W [rows, cols] (any tensor: the first dimension is the rows), by power
    /// iteration with float64 vectors and sums (<see cref="Spectral.MatVec"/>,
    /// <see cref="Spectral.MatVecTransposed"/>).
    /// </summary>
    public static PowerIterationResult OfMatrix(Tensor weight, PowerIterationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(weight);
        options ??= new PowerIterationOptions();
        options.Validate();
        var device = weight.Device;
        int rows = weight.Shape[0], cols = weight.RowLength;
        var matVec = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<double>, ArrayView<double>, ArrayView<int>, int, int>(Spectral.MatVec);
        var matVecT = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<double>, ArrayView<double>, ArrayView<int>, int, int>(Spectral.MatVecTransposed);
        using var iteration = new BatchedPowerIteration(device, 1, rows, cols);
        var sa = device.Split((rows + 3) / 4);
        var sat = device.Split((cols + 3) / 4);
        var outcome = iteration.Run(1, complexValued: false,
            _ => matVec(sa.Threads, sa, weight.View, iteration.VRe, iteration.URe, iteration.Active, rows, cols),
            _ => matVecT(sat.Threads, sat, weight.View, iteration.URe, iteration.WRe, iteration.Active, rows, cols),
            options);
        var result = new PowerIterationResult(outcome.Sigma[0], outcome.Iterations[0], outcome.Converged[0], outcome.Change[0]);
        if (!double.IsFinite(result.Norm))
            throw new BlindSpotsException($"spectral norm of a {rows}×{cols} matrix is {result.Norm}: the weights are not finite");
        return result;
    }

    /// <summary>
    /// ‖conv‖₂ of a convolution layer as it runs, zero padding and stride included (bias ignored):
    /// power iteration through <see cref="Convolution.Forward"/> and its transpose
    /// <see cref="Convolution.BackwardInput"/> on one example. The layer's arithmetic is float32, so
    /// expect the estimate to settle to about 1e-6 relative; the host reads two norms back per
    /// iteration. Costs two convolutions per iteration: meant for checks, not for the table.
    /// </summary>
    public static PowerIterationResult OfConvolution(Conv2dLayer layer, PowerIterationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(layer);
        options ??= new PowerIterationOptions();
        options.Validate();
        var device = layer.Weight.Value.Device;
        var shape = new ConvShape(1, layer.InChannels, layer.InHeight, layer.InWidth, layer.Filters,
            layer.KernelHeight, layer.KernelWidth, layer.Stride, layer.Stride, layer.Padding, layer.Padding);
        int inLength = layer.InChannels * layer.InHeight * layer.InWidth;
        int outLength = layer.Filters * shape.OutH * shape.OutW;

        var forward = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>(Convolution.Forward);
        var transpose = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvShape>(Convolution.BackwardInput);
        var norm = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<double>, ArrayView<int>, int>(VectorOps.NormL2);
        var scale = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<double>, float, ArrayView<int>, int>(VectorOps.Scale);

        var rng = new Random(options.Seed);
        var start = new float[inLength];
        double sum = 0;
        for (int i = 0; i < start.Length; i++)
        {
            start[i] = (float)(rng.NextDouble() * 2 - 1);
            sum += (double)start[i] * start[i];
        }
        for (int i = 0; i < start.Length; i++) start[i] = (float)(start[i] / Math.Sqrt(sum));

        var x = Tensor.FromArray(device, start, 1, inLength);
        var w = Tensor.Allocate(device, 1, inLength);
        using var y = Tensor.Allocate(device, 1, outLength);
        using var zeroBias = Tensor.Zeros(device, layer.Filters);
        using var norms = device.Accelerator.Allocate1D<double>(2);
        using var one = device.Accelerator.Allocate1D(new[] { 1.0 });
        try
        {
            var sf = device.Split(Convolution.ForwardItems(shape));
            var sb = device.Split(Convolution.BackwardInputItems(shape));
            var s1 = device.Split(1);
            var host = new double[2];
            double sigma = 0, change = 1;
            int it = 0;
            bool converged = false;
            while (it < options.MaxIterations && !converged)
            {
                it++;
                forward(sf.Threads, sf, x.View, layer.Weight.Value.View, zeroBias.View, y.View, shape);
                transpose(sb.Threads, sb, y.View, layer.Weight.Value.View, w.View, shape);
                norm(s1.Threads, s1, y.View, norms.View.SubView(0, 1), ArrayView<int>.Empty, outLength);
                norm(s1.Threads, s1, w.View, norms.View.SubView(1, 1), ArrayView<int>.Empty, inLength);
                norms.View.CopyToCPU(host);
                double estimate = host[0];
                if (!(host[1] > 0))
                {
                    // A x = 0 for a random x: the weights are zero.
                    (sigma, change, converged) = (estimate, 0, true);
                    break;
                }
                change = Math.Abs(estimate - sigma) / estimate;
                sigma = estimate;
                converged = change <= options.Tolerance;
                scale(s1.Threads, s1, w.View, one.View, (float)(1 / host[1]), ArrayView<int>.Empty, inLength);
                (x, w) = (w, x);
            }
            if (!double.IsFinite(sigma))
                throw new BlindSpotsException($"{layer.Spec}: operator norm is {sigma}: the weights are not finite");
            return new PowerIterationResult(sigma, it, converged, change);
        }
        finally
        {
            x.Dispose();
            w.Dispose();
        }
    }
}
