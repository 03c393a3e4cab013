using IlgpuBlindSpots.Kernels;
using IlgpuBlindSpots.Network.Layers;
using Onnx;

namespace IlgpuBlindSpots.Network.ModelFiles;

/// <summary>The nodes with weights or windows: Conv, Gemm, MatMul, pooling, BatchNormalization, Pad.</summary>
internal sealed partial class OnnxGraphImporter
{
    private int Conv(NodeProto node)
    {
        int x = Data(node, 0);
        var shape = builder.Shape(x);
        if (shape.Length != 4) throw Fail($"node {Describe(node)} (Conv) gets a rank-{shape.Length} tensor; only 2-D convolution of [N, C, H, W] is supported");
        var w = Constant(node, 1);
        if (w.Dims.Length != 4 || w.Dims.Any(d => d <= 0)) throw Fail($"node {Describe(node)} (Conv): weight '{node.Input[1]}' has shape {w.ShapeText}, not [O, C/group, KH, KW]");
        int o = (int)w.Dims[0], kh = (int)w.Dims[2], kw = (int)w.Dims[3];
        long groups = Int(node, "group", 1);
        if (groups < 1 || shape[1] % groups != 0 || o % groups != 0 || w.Dims[1] * groups != shape[1])
            throw Fail($"node {Describe(node)} (Conv): weight {w.ShapeText} in {groups} groups does not fit {shape[1]} input channels");
        var kernel = IntsAttr(node, "kernel_shape");
        if (kernel != null && !kernel.SequenceEqual([kh, kw]))
            throw Fail($"node {Describe(node)} (Conv): kernel_shape [{string.Join(", ", kernel)}] does not match weight {w.ShapeText}");
        var win = Window(node, shape, kh, kw, ceil: false);
        float[] bias = HasInput(node, 2) ? Floats(node, Constant(node, 2)) : new float[o];
        if (bias.Length != o) throw Fail($"node {Describe(node)} (Conv): bias '{node.Input[2]}' has {bias.Length} values, expected {o}");
        bool plain = groups == 1 && win.DilationH == 1 && win.DilationW == 1 && win.StrideH == win.StrideW &&
                     new[] { win.PadLeft, win.PadBottom, win.PadRight }.All(p => p == win.PadTop) &&
                     win.OutH == (shape[2] + 2 * win.PadTop - kh) / win.StrideH + 1 && win.OutW == (shape[3] + 2 * win.PadTop - kw) / win.StrideW + 1;
        ILayer layer = plain
            ? new Conv2dLayer(Device, builder.ExampleShape(x), o, kh, kw, win.StrideH, win.PadTop, Name(node))
            : new GroupedConv2dLayer(Device, builder.ExampleShape(x), o, (int)groups, win, Name(node));
        layer.Parameters[0].Value.CopyFrom(Floats(node, w));
        layer.Parameters[1].Value.CopyFrom(bias);
        return Add(node, layer, x);
    }

    private int Gemm(NodeProto node)
    {
        int x = Data(node, 0);
        var shape = builder.Shape(x);
        if (shape.Length != 2) throw Fail($"node {Describe(node)} (Gemm) gets a rank-{shape.Length} tensor; it needs [batch, features] (a Flatten first)");
        if (Int(node, "transA", 0) != 0) throw Fail($"node {Describe(node)} (Gemm) has transA 1; only transA 0 is supported");
        float alpha = Float(node, "alpha", 1f), beta = Float(node, "beta", 1f);
        var w = Constant(node, 1);
        if (w.Dims.Length != 2) throw Fail($"node {Describe(node)} (Gemm): weight '{node.Input[1]}' has shape {w.ShapeText}, not 2-D");
        bool transB = Int(node, "transB", 0) != 0;
        int n = (int)(transB ? w.Dims[0] : w.Dims[1]), k = (int)(transB ? w.Dims[1] : w.Dims[0]);
        if (k != shape[1]) throw Fail($"node {Describe(node)} (Gemm): weight '{node.Input[1]}' {w.ShapeText} takes {k} features but its input has {shape[1]}");
        float[] weight = transB ? Floats(node, w) : OnnxTensor.TransposeMatrix(Floats(node, w), k, n);
        if (alpha != 1f) weight = weight.Select(v => alpha * v).ToArray();
        float[] bias = new float[n];
        if (HasInput(node, 2))
        {
            var c = Floats(node, Constant(node, 2));
            if (c.Length != 1 && c.Length != n) throw Fail($"node {Describe(node)} (Gemm): bias '{node.Input[2]}' has {c.Length} values, expected {n}");
            for (int i = 0; i < n; i++) bias[i] = beta * c[c.Length == 1 ? 0 : i];
        }
        return Dense(node, x, k, n, weight, bias);
    }

    private int MatMul(NodeProto node)
    {
        int x = Data(node, 0);
        var shape = builder.Shape(x);
        if (shape.Length != 2 || !constants.ContainsKey(node.Input[1]))
            throw Fail($"node {Describe(node)} (MatMul): only [batch, K]·W with a constant 2-D W is supported");
        var w = Constant(node, 1);
        if (w.Dims.Length != 2 || w.Dims[0] != shape[1])
            throw Fail($"node {Describe(node)} (MatMul): weight '{node.Input[1]}' {w.ShapeText} does not take {shape[1]} features");
        int k = (int)w.Dims[0], n = (int)w.Dims[1];
        return Dense(node, x, k, n, OnnxTensor.TransposeMatrix(Floats(node, w), k, n), new float[n]);
    }

    private int Dense(NodeProto node, int x, int k, int n, float[] weight, float[] bias)
    {
        if (n <= 0) throw Fail($"node {Describe(node)} ({node.OpType}) has {n} outputs");
        var layer = new DenseLayer(Device, k, n, Name(node));
        layer.Weight.Value.CopyFrom(weight);
        layer.Bias.Value.CopyFrom(bias);
        return Add(node, layer, x);
    }

    private int Pool(NodeProto node)
    {
        int x = Data(node, 0);
        var shape = builder.Shape(x);
        if (shape.Length != 4) throw Fail($"node {Describe(node)} ({node.OpType}) gets a rank-{shape.Length} tensor; only 2-D pooling of [N, C, H, W] is supported");
        var kernel = IntsAttr(node, "kernel_shape");
        if (kernel is not { Length: 2 } || kernel.Any(k => k < 1 || k > 1 << 16))
            throw Fail($"node {Describe(node)} ({node.OpType}) needs a 2-D kernel_shape of positive sizes");
        if (Int(node, "storage_order", 0) != 0) throw Fail($"node {Describe(node)} ({node.OpType}) has storage_order 1; only 0 is supported");
        if (node.Output.Count > 1 && node.Output[1].Length > 0 && readers.ContainsKey(node.Output[1]))
            throw Fail($"node {Describe(node)} ({node.OpType}): its Indices output is used, which is not supported");
        var win = Window(node, shape, (int)kernel[0], (int)kernel[1], ceil: Int(node, "ceil_mode", 0) != 0);
        bool max = node.OpType == "MaxPool";
        return Add(node, new WindowPoolLayer(Device, shape[1], win, max, countIncludePad: Int(node, "count_include_pad", 0) != 0), x);
    }

    private int GlobalPool(NodeProto node)
    {
        int x = Data(node, 0);
        var shape = builder.Shape(x);
        if (shape.Length != 4) throw Fail($"node {Describe(node)} ({node.OpType}) gets a rank-{shape.Length} tensor; only [N, C, H, W] is supported");
        var win = new Window2d(shape[2], shape[3], shape[2], shape[3], 1, 1, 1, 1, 0, 0, 0, 0, 1, 1);
        return Add(node, new WindowPoolLayer(Device, shape[1], win, node.OpType == "GlobalMaxPool", countIncludePad: false), x);
    }

    /// <summary>The window of a Conv or pooling node: strides, dilations, explicit or automatic pads, floor or ceil output size.</summary>
    private Window2d Window(NodeProto node, int[] shape, int kh, int kw, bool ceil)
    {
        var strides = IntsAttr(node, "strides") ?? [1, 1];
        var dilations = IntsAttr(node, "dilations") ?? [1, 1];
        var pads = IntsAttr(node, "pads") ?? [0, 0, 0, 0];
        if (strides.Length != 2 || dilations.Length != 2 || pads.Length != 4 || strides.Any(s => s < 1 || s > 1 << 16)
            || dilations.Any(d => d < 1 || d > 1 << 16) || pads.Any(p => p < 0 || p > 1 << 16))
            throw Fail($"node {Describe(node)} ({node.OpType}) has strides [{string.Join(", ", strides)}], dilations [{string.Join(", ", dilations)}], pads [{string.Join(", ", pads)}]; 2-D positive strides and dilations and non-negative pads are supported");
        int h = shape[2], w = shape[3];
        int sh = (int)strides[0], sw = (int)strides[1], dh = (int)dilations[0], dw = (int)dilations[1];
        int top = (int)pads[0], left = (int)pads[1], bottom = (int)pads[2], right = (int)pads[3];
        string autoPad = Text(node, "auto_pad") ?? "NOTSET";
        if (autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            (top, bottom) = SamePads(h, kh, sh, dh, autoPad == "SAME_UPPER");
            (left, right) = SamePads(w, kw, sw, dw, autoPad == "SAME_UPPER");
        }
        else if (autoPad == "VALID") top = left = bottom = right = 0;
        else if (autoPad is not ("NOTSET" or "")) throw Fail($"node {Describe(node)} ({node.OpType}) has auto_pad {autoPad}");
        int outH = Window2d.OutputSize(h, kh, sh, dh, top, bottom, ceil), outW = Window2d.OutputSize(w, kw, sw, dw, left, right, ceil);
        if (outH < 1 || outW < 1)
            throw Fail($"node {Describe(node)} ({node.OpType}): a {kh}×{kw} window does not fit its {h}×{w} input with pads [{top}, {left}, {bottom}, {right}]");
        return new Window2d(h, w, kh, kw, sh, sw, dh, dw, top, left, bottom, right, outH, outW);
    }

    private static (int Begin, int End) SamePads(int size, int kernel, int stride, int dilation, bool upper)
    {
        int output = (size + stride - 1) / stride;
        int total = Math.Max(0, (output - 1) * stride + dilation * (kernel - 1) + 1 - size);
        int small = total / 2;
        return upper ? (small, total - small) : (total - small, small);
    }

    private int BatchNormalization(NodeProto node)
    {
        int x = Data(node, 0);
        if (Int(node, "training_mode", 0) != 0) throw Fail($"node {Describe(node)} (BatchNormalization) is in training mode; only inference is supported");
        var shape = builder.Shape(x);
        int c = shape.Length > 1 ? shape[1] : 0;
        var p = Enumerable.Range(1, 4).Select(i => Floats(node, Constant(node, i))).ToArray();
        if (p.Any(v => v.Length != c)) throw Fail($"node {Describe(node)} (BatchNormalization): its parameters do not all have {c} values (the channels)");
        float eps = Float(node, "epsilon", 1e-5f);
        var scale = new float[c];
        var shift = new float[c];
        for (int i = 0; i < c; i++)
        {
            double s = p[0][i] / Math.Sqrt(p[3][i] + (double)eps);
            scale[i] = (float)s;
            shift[i] = (float)(p[1][i] - p[2][i] * s);
        }
        if (TryFoldInto(node, x, scale, shift)) return x;
        var layer = new ChannelAffineLayer(Device, builder.ExampleShape(x), Name(node));
        layer.Scale.Value.CopyFrom(scale);
        layer.Shift.Value.CopyFrom(shift);
        return Add(node, layer, x);
    }

    /// <summary>Folds y = scale·x + shift into the Conv or Gemm that wrote x, when nothing else reads x: exact up to rounding.</summary>
    private bool TryFoldInto(NodeProto node, int x, float[] scale, float[] shift)
    {
        if (readers.GetValueOrDefault(node.Input[0]) != 1 || node.Input[0] == graph.Output[0].Name) return false;
        if (!writers.TryGetValue(x, out var layer) || layer is not (Conv2dLayer or GroupedConv2dLayer or DenseLayer)) return false;
        var weight = layer.Parameters[0].Value;
        var bias = layer.Parameters[1].Value;
        if (bias.Length != scale.Length) return false;
        float[] w = weight.ToArray(), b = bias.ToArray();
        int row = w.Length / b.Length;
        for (int o = 0; o < b.Length; o++)
        {
            for (int i = o * row; i < (o + 1) * row; i++) w[i] *= scale[o];
            b[o] = b[o] * scale[o] + shift[o];
        }
        weight.CopyFrom(w);
        bias.CopyFrom(b);
        return true;
    }

    private int Pad(NodeProto node)
    {
        int x = Data(node, 0);
        var shape = builder.Shape(x);
        string mode = Text(node, "mode") ?? "constant";
        if (mode != "constant") throw Fail($"node {Describe(node)} (Pad) has mode {mode}; only constant is supported");
        long[] pads = opset < 11 ? IntsAttr(node, "pads") ?? [] : Ints(node, Constant(node, 1));
        float value = opset < 11 ? Float(node, "value", 0f) : HasInput(node, 2) ? Scalar(node, 2) : 0f;
        if (HasInput(node, 3)) throw Fail($"node {Describe(node)} (Pad) has an axes input, which is not supported");
        int r = shape.Length;
        if (pads.Length != 2 * r || r < 3 || pads.Any(p => p < 0 || p > 1 << 16)
            || Enumerable.Range(0, r - 2).Any(d => pads[d] != 0 || pads[r + d] != 0))
            throw Fail($"node {Describe(node)} (Pad) has pads [{string.Join(", ", pads)}] for a rank-{r} tensor; only non-negative padding of the last two axes of a rank ≥ 3 tensor is supported");
        return Add(node, new PadLayer(Device, builder.ExampleShape(x), (int)pads[r - 2], (int)pads[r - 1], (int)pads[2 * r - 2], (int)pads[2 * r - 1], value), x);
    }
}
