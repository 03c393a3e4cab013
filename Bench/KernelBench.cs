using System.Text.Json;
using ILGPU;
using ILGPU.Runtime;
using IlgpuBlindSpots.Kernels;
using IlgpuBlindSpots.Network;
using Spectre.Console;

namespace IlgpuBlindSpots.Bench;

/// <summary>
/// `kernels`: throughput of each kernel at the paper's shapes, beside the same operation in plain
/// vectorised C# measured in the same run.
/// </summary>
internal static class KernelBench
{
    /// <summary>
    /// One operation; <see cref="Outputs"/>, when given, returns both results so the run checks they agree.
    /// A <see cref="Rival"/> (another way to the same result) is timed in alternation with the kernel
    /// (<see cref="Timing.PairedMedians"/>), so that load changes fall on both, and has a row of its own, <see cref="RivalName"/>.
    /// </summary>
    private sealed record Case(string Name, string Unit, double Work, Action Kernel, Action Plain,
        Func<(float[] Kernel, float[] Plain)>? Outputs = null, Action? Rival = null, string? RivalName = null);

    /// <summary>Plain and Ratio are null for a device after the first: plain C# is timed once per run.</summary>
    public sealed record Row(string Name, string Unit, double Kernel, double? Plain, double? Ratio, double? MaxDifference);

    /// <summary>Every case on every device given, printed side by side; plain C# is timed once, with the first device's run.</summary>
    /// <param name="only">Only the cases whose name contains this (<c>--only</c>); all when null.</param>
    public static int Run(IReadOnlyList<string> deviceSpecs, string jsonPath, string? only = null)
    {
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 200;
        var runs = new List<(string Device, double? Fp32PeakGflops, List<Row> Rows)>();
        foreach (string spec in deviceSpecs)
        {
            using var device = ComputeDevice.Open(spec);
            AnsiConsole.MarkupLine($"[bold]kernels[/] on {Markup.Escape(device.Description)}, {Environment.ProcessorCount} cores");
            runs.Add((device.Description, DevicePeak.Fp32Gflops(device), Measure(device, timePlain: runs.Count == 0, only)));
        }
        AnsiConsole.Write(SideBySide(runs.Select(r => r.Rows).ToList(), runs.Select(r => r.Device).ToList()));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(jsonPath))!);
        File.WriteAllText(jsonPath, JsonSerializer.Serialize(new
        {
            cores = Environment.ProcessorCount,
            date = DateTime.UtcNow.ToString("u"),
            devices = runs.Select(r => new { device = r.Device, fp32PeakGflops = r.Fp32PeakGflops, rows = r.Rows }),
        }, new JsonSerializerOptions { WriteIndented = true }));
        AnsiConsole.MarkupLine($"wrote {Markup.Escape(jsonPath)}");
        return 0;
    }

    /// <summary>
    /// One line per operation, matched by name: some cases exist on one kind of device only (the
    /// CPU's scalar-tile comparison, the GPU's 10,000-row forward), shown as "-" elsewhere.
    /// </summary>
    private static Table SideBySide(List<List<Row>> runs, List<string> devices)
    {
        var table = new Table().AddColumns("operation", "unit");
        foreach (var d in devices) table.AddColumn(Markup.Escape(d.Split(' ')[0]));
        table.AddColumns("plain C#", "max rel. diff");
        var names = runs.SelectMany(r => r).Select(r => r.Name).Distinct().ToList();
        foreach (var name in names)
        {
            var found = runs.Select(r => r.FirstOrDefault(row => row.Name == name)).ToList();
            var any = found.First(r => r is not null)!;
            var cells = new List<string> { Markup.Escape(name), any.Unit };
            cells.AddRange(found.Select(r => r is null ? "-" : $"{r.Kernel:F2}"));
            cells.Add(found[0]?.Plain is { } plain ? $"{plain:F2}" : "-");
            cells.Add(string.Join(" / ", found.Select(r => r?.MaxDifference is { } m ? $"{m:E1}" : "-")));
            table.AddRow(cells.ToArray());
        }
        return table;
    }

    private static List<Row> Measure(ComputeDevice device, bool timePlain, string? only)
    {
        var rows = new List<Row>();
        foreach (var c in Cases(device).Concat(ConvCases(device)).Concat(ResNetConvCases(device)).Concat(VectorCases(device)).Concat(LargeCases(device)))
        {
            if (only != null && !c.Name.Contains(only, StringComparison.OrdinalIgnoreCase)) continue;
            double tk, tr = 0;
            if (c.Rival is null) tk = Timing.Median(() => { c.Kernel(); device.Synchronize(); });
            else (tk, tr) = Timing.PairedMedians(() => { c.Kernel(); device.Synchronize(); }, () => { c.Rival(); device.Synchronize(); });
            double tp = 0;
            if (timePlain) tp = Timing.Median(c.Plain);
            else c.Plain();   // once, for the outputs compared below
            double? diff = null;
            if (c.Outputs is not null)
            {
                var (a, b) = c.Outputs();
                diff = a.Zip(b, (u, v) => (double)Math.Abs(u - v) / (1 + Math.Abs(v))).Max();
            }
            rows.Add(timePlain
                ? new Row(c.Name, c.Unit, c.Work / tk / 1e9, c.Work / tp / 1e9, tp / tk, diff)
                : new Row(c.Name, c.Unit, c.Work / tk / 1e9, null, null, diff));
            if (c.Rival is not null) rows.Add(new Row(c.RivalName!, c.Unit, c.Work / tr / 1e9, null, null, null));
        }
        return rows;
    }

    private static IEnumerable<Case> Cases(ComputeDevice device)
    {
        // The paper's FC shapes at batch 128.
        foreach (var (k, n) in new[] { (784, 100), (100, 100), (100, 10), (784, 10) })
        {
            const int batch = 128;
            var x = Random(batch * k, 1); var w = Random(n * k, 2); var b = Random(n, 3); var dy = Random(batch * n, 4);
            var tx = Tensor.FromArray(device, x, batch, k);
            var tw = Tensor.FromArray(device, w, n, k);
            var tb = Tensor.FromArray(device, b, n);
            var ty = Tensor.Allocate(device, batch, n);
            var tdy = Tensor.FromArray(device, dy, batch, n);
            var tdx = Tensor.Allocate(device, batch, k);
            var tdw = Tensor.Allocate(device, n, k);
            var tdb = Tensor.Allocate(device, n);
            var y = new float[batch * n]; var dx = new float[batch * k]; var dw = new float[n * k]; var db = new float[n];
            double flops = 2.0 * batch * k * n;

            yield return new Case($"dense forward {batch}×{k}→{n}", "GFLOP/s", flops,
                () => device.Dense.Forward(tx.View, tw.View, tb.View, ty.View, batch, k, n),
                () => PlainBaselines.DenseForward(x, w, b, y, batch, k, n),
                () => (ty.ToArray(), y));

            if (k == 784 && n == 100)
            {
                // The hidden layer as a model runs it: the product then a ReLU launch, or the ReLU applied as the product stores.
                var relu = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>>(Activation.ReluForward);
                var sr = device.Split(batch * n);
                yield return new Case($"dense forward {batch}×{k}→{n}, ReLU fused", "GFLOP/s", flops,
                    () => device.Dense.Forward(tx.View, tw.View, tb.View, ty.View, batch, k, n, relu: true),
                    () => PlainBaselines.DenseForwardRelu(x, w, b, y, batch, k, n),
                    () => (ty.ToArray(), y),
                    () => { device.Dense.Forward(tx.View, tw.View, tb.View, ty.View, batch, k, n); relu(sr.Threads, sr, ty.View, ty.View); },
                    $"dense forward {batch}×{k}→{n}, then a ReLU launch (timed alternately with the fused)");
            }
            if (device.Kind == DeviceKind.Cpu && k % 4 == 0)
            {
                // The scalar 4×4 tiles the quads replaced, for a side-by-side figure.
                var scalar = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(Dense.Forward);
                var s4 = device.Split(Tiles(batch) * Tiles(n));
                yield return new Case($"dense forward {batch}×{k}→{n}, 4×4 scalar tiles", "GFLOP/s", flops,
                    () => scalar(s4.Threads, s4, tx.View, tw.View, tb.View, ty.View, batch, k, n),
                    () => PlainBaselines.DenseForward(x, w, b, y, batch, k, n),
                    () => (ty.ToArray(), y));
            }
            yield return new Case($"dense backward dX {batch}×{k}→{n}", "GFLOP/s", flops,
                () => device.Dense.BackwardInput(tdy.View, tw.View, tdx.View, batch, k, n),
                () => PlainBaselines.DenseBackwardInput(dy, w, dx, batch, k, n),
                () => (tdx.ToArray(), dx));

            yield return new Case($"dense backward dW,db {batch}×{k}→{n}", "GFLOP/s", flops + batch * n,
                () => device.Dense.BackwardParameters(tdy.View, tx.View, tdw.View, tdb.View, batch, k, n, 0f),
                () => PlainBaselines.DenseBackwardWeights(dy, x, dw, db, batch, k, n),
                () => (tdw.ToArray(), dw));
        }
    }

    /// <summary>The conv layers of the MNIST conv net at batch 128: 1→32 5×5 on 28×28 and 32→64 5×5 on 14×14, padding 2.</summary>
    private static IEnumerable<Case> ConvCases(ComputeDevice device)
    {
        foreach (var (c, h, o) in new[] { (1, 28, 32), (32, 14, 64) })
        {
            const int batch = 128, k = 5, p = 2;
            var shape = new ConvShape(batch, c, h, h, o, k, k, 1, 1, p, p);
            var x = Random(batch * c * h * h, 7); var w = Random(o * c * k * k, 8); var b = Random(o, 9);
            var dy = Random(batch * o * h * h, 10);
            var y = new float[dy.Length]; var dx = new float[x.Length]; var dw = new float[w.Length]; var db = new float[o];
            var tx = Tensor.FromArray(device, x, batch, c, h, h);
            var tw = Tensor.FromArray(device, w, o, c, k, k);
            var tb = Tensor.FromArray(device, b, o);
            var ty = Tensor.Allocate(device, batch, o, h, h);
            var tdy = Tensor.FromArray(device, dy, batch, o, h, h);
            var tdx = Tensor.Allocate(device, batch, c, h, h);
            var tdw = Tensor.Allocate(device, o, c, k, k);
            var tdb = Tensor.Allocate(device, o);
            double flops = 2.0 * shape.MultiplyAdds;
            string name = $"{batch}×{c}→{o} 5×5 on {h}×{h}";

            var products = device.Convolution;
            var alternatives = new ConvAlternatives(device, shape);
            bool both = device.Kind != DeviceKind.Cpu;
            yield return new Case($"conv forward {name}", "GFLOP/s", flops,
                () => products.Forward(tx.View, tw.View, tb.View, ty.View, shape),
                () => PlainBaselines.ConvForward(x, w, b, y, batch, c, h, h, o, k, p),
                () => (ty.ToArray(), y));
            if (both)
            {
                yield return new Case($"conv forward {name}, register tiles", "GFLOP/s", flops, alternatives.TiledForward(tx, tw, tb, ty),
                    () => PlainBaselines.ConvForward(x, w, b, y, batch, c, h, h, o, k, p), () => (ty.ToArray(), y));
                yield return new Case($"conv forward {name}, implicit GEMM", "GFLOP/s", flops, alternatives.GroupedForward(tx, tw, tb, ty),
                    () => PlainBaselines.ConvForward(x, w, b, y, batch, c, h, h, o, k, p), () => (ty.ToArray(), y));
            }

            yield return new Case($"conv backward dX {name}", "GFLOP/s", flops,
                () => products.BackwardInput(tdy.View, tw.View, tdx.View, shape),
                () => PlainBaselines.ConvBackwardInput(dy, w, dx, batch, c, h, h, o, k, p),
                () => (tdx.ToArray(), dx));
            if (both)
            {
                yield return new Case($"conv backward dX {name}, register tiles", "GFLOP/s", flops, alternatives.TiledBackwardInput(tdy, tw, tdx),
                    () => PlainBaselines.ConvBackwardInput(dy, w, dx, batch, c, h, h, o, k, p), () => (tdx.ToArray(), dx));
                yield return new Case($"conv backward dX {name}, implicit GEMM", "GFLOP/s", flops, alternatives.GroupedBackwardInput(tdy, tw, tdx),
                    () => PlainBaselines.ConvBackwardInput(dy, w, dx, batch, c, h, h, o, k, p), () => (tdx.ToArray(), dx));
            }

            var scratch = Tensor.Allocate(device, Math.Max(1, products.ScratchLength(shape)));
            yield return new Case($"conv backward dW,db {name}", "GFLOP/s", flops,
                () => products.BackwardParameters(tdy.View, tx.View, tdw.View, tdb.View, scratch.View, shape, 0f),
                () => PlainBaselines.ConvBackwardWeights(dy, x, dw, db, batch, c, h, h, o, k, p),
                () => (tdw.ToArray(), dw));
            if (both)
            {
                yield return new Case($"conv backward dW,db {name}, register tiles", "GFLOP/s", flops, alternatives.TiledBackwardParameters(tdy, tx, tdw, tdb),
                    () => PlainBaselines.ConvBackwardWeights(dy, x, dw, db, batch, c, h, h, o, k, p), () => (tdw.ToArray(), dw));
                yield return new Case($"conv backward dW,db {name}, implicit GEMM", "GFLOP/s", flops, alternatives.GroupedBackwardParameters(tdy, tx, tdw, tdb),
                    () => PlainBaselines.ConvBackwardWeights(dy, x, dw, db, batch, c, h, h, o, k, p), () => (tdw.ToArray(), dw));
            }
        }
    }

    /// <summary>
    /// torchvision resnet18's 3×3 convolutions at a 224×224 input (64 to 512 channels, stride 1 within
    /// a stage and stride 2 into the next, padding 1), at batch 4: forward.
    /// </summary>
    private static IEnumerable<Case> ResNetConvCases(ComputeDevice device)
    {
        foreach (var (c, h, o, s) in new[] { (64, 56, 64, 1), (64, 56, 128, 2), (128, 28, 128, 1), (128, 28, 256, 2), (256, 14, 256, 1), (256, 14, 512, 2), (512, 7, 512, 1) })
        {
            const int batch = 4, k = 3, p = 1;
            var shape = new ConvShape(batch, c, h, h, o, k, k, s, s, p, p);
            int oh = (h + 2 * p - k) / s + 1;
            var x = Random(batch * c * h * h, 14); var w = Random(o * c * k * k, 15); var b = Random(o, 16);
            var y = new float[batch * o * oh * oh];
            var tx = Tensor.FromArray(device, x, batch, c, h, h);
            var tw = Tensor.FromArray(device, w, o, c, k, k);
            var tb = Tensor.FromArray(device, b, o);
            var ty = Tensor.Allocate(device, batch, o, oh, oh);
            string name = $"resnet conv forward {batch}×{c}→{o} 3×3 s{s} on {h}×{h}";
            yield return new Case(name, "GFLOP/s", 2.0 * shape.MultiplyAdds,
                () => device.Convolution.Forward(tx.View, tw.View, tb.View, ty.View, shape),
                () => PlainBaselines.ConvForwardStrided(x, w, b, y, batch, c, h, h, o, k, s, p),
                () => (ty.ToArray(), y));
            if (device.Kind != DeviceKind.Cpu)
            {
                var alternatives = new ConvAlternatives(device, shape);
                yield return new Case($"{name}, register tiles", "GFLOP/s", 2.0 * shape.MultiplyAdds, alternatives.TiledForward(tx, tw, tb, ty),
                    () => PlainBaselines.ConvForwardStrided(x, w, b, y, batch, c, h, h, o, k, s, p), () => (ty.ToArray(), y));
                yield return new Case($"{name}, implicit GEMM", "GFLOP/s", 2.0 * shape.MultiplyAdds, alternatives.GroupedForward(tx, tw, tb, ty),
                    () => PlainBaselines.ConvForwardStrided(x, w, b, y, batch, c, h, h, o, k, s, p), () => (ty.ToArray(), y));
            }
        }
    }

    /// <summary>The optimizers' per-row vector operations over a batch of 1024 MNIST-sized problems, in GB/s of memory traffic.</summary>
    private static IEnumerable<Case> VectorCases(ComputeDevice device)
    {
        const int rows = 1024, n = 784;
        var x = Random(rows * n, 5); var y = Random(rows * n, 6);
        var alpha = new double[rows]; Array.Fill(alpha, 0.5);
        var dots = new double[rows];
        var tx = Tensor.FromArray(device, x, rows, n);
        var ty = Tensor.FromArray(device, y, rows, n);
        var talpha = device.Accelerator.Allocate1D(alpha);
        var tdots = device.Accelerator.Allocate1D<double>(rows);
        var none = ArrayView<int>.Empty;
        var s = device.Split(rows);
        double bytes2 = 2.0 * rows * n * sizeof(float), bytes3 = 3.0 * rows * n * sizeof(float);

        var dot = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<double>, ArrayView<int>, int>(VectorOps.Dot);
        yield return new Case($"per-row dot {rows}×{n} (float64 sum)", "GB/s", bytes2,
            () => dot(s.Threads, s, tx.View, ty.View, tdots.View, none, n),
            () => Parallel.For(0, rows, r => dots[r] = System.Numerics.Tensors.TensorPrimitives.Dot(x.AsSpan(r * n, n), y.AsSpan(r * n, n))));

        var axpy = device.KernelCache.Load<WorkSplit, ArrayView<float>, ArrayView<float>, ArrayView<double>, float, ArrayView<int>, int>(VectorOps.ScaledAdd);
        yield return new Case($"per-row scaled add {rows}×{n}", "GB/s", bytes3,
            () => axpy(s.Threads, s, tx.View, ty.View, talpha.View, 1e-3f, none, n),
            () => Parallel.For(0, rows, r => System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(
                x.AsSpan(r * n, n), (float)(alpha[r] * 1e-3), y.AsSpan(r * n, n), y.AsSpan(r * n, n))));

        var clamp = device.KernelCache.Load<WorkSplit, ArrayView<float>, float, float, ArrayView<int>, int>(VectorOps.Clamp);
        yield return new Case($"clamp into [0,1] {rows}×{n}", "GB/s", bytes2,
            () => clamp(s.Threads, s, ty.View, 0f, 1f, none, n),
            () => Parallel.For(0, rows, r => System.Numerics.Tensors.TensorPrimitives.Clamp(
                y.AsSpan(r * n, n), 0f, 1f, y.AsSpan(r * n, n))));
    }

    /// <summary>
    /// The dense forward at a whole 10,000-digit batch, the GPU's working size; GPU and OpenCL
    /// backends only (on the CPU accelerator one repetition would take seconds).
    /// </summary>
    private static IEnumerable<Case> LargeCases(ComputeDevice device)
    {
        if (device.Kind == DeviceKind.Cpu) yield break;
        const int batch = 10_000, k = 784, n = 100;
        var x = Random(batch * k, 11); var w = Random(n * k, 12); var b = Random(n, 13);
        var y = new float[batch * n];
        var tx = Tensor.FromArray(device, x, batch, k);
        var tw = Tensor.FromArray(device, w, n, k);
        var tb = Tensor.FromArray(device, b, n);
        var ty = Tensor.Allocate(device, batch, n);
        yield return new Case($"dense forward {batch}×{k}→{n}", "GFLOP/s", 2.0 * batch * k * n,
            () => device.Dense.Forward(tx.View, tw.View, tb.View, ty.View, batch, k, n),
            () => PlainBaselines.DenseForward(x, w, b, y, batch, k, n),
            () => (ty.ToArray(), y));
    }

    private static int Tiles(int n) => (n + 3) / 4;

    private static float[] Random(int n, int seed)
    {
        var rng = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() * 2 - 1);
        return a;
    }
}
