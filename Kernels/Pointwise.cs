using ILGPU;
using ILGPU.Algorithms;

namespace IlgpuBlindSpots.Kernels;

/// <summary>
/// Element-wise unary ops with up to two constant attributes a, b (ONNX semantics), forward and
/// backward, selected by <see cref="PointwiseOp"/> codes: one kernel pair serves every simple
/// activation an imported graph uses.
/// </summary>
public static class Pointwise
{
    /// <summary>y = f(x). Items: elements.</summary>
    public static void Forward(Index1D t, WorkSplit s, ArrayView<float> x, ArrayView<float> y, int op, float a, float b)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int i = s.Item(t, j);
            if (i >= s.Count) return;
            y[i] = Value(x[i], op, a, b);
        }
    }

    /// <summary>dX = f′(x)·dY, overwritten. Items: elements.</summary>
    public static void Backward(Index1D t, WorkSplit s, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dx, int op, float a, float b)
    {
        for (int j = 0; j < s.ItemsPerThread; j++)
        {
            int i = s.Item(t, j);
            if (i >= s.Count) return;
            dx[i] = Slope(x[i], op, a, b) * dy[i];
        }
    }

    private static float Value(float v, int op, float a, float b)
    {
        switch (op)
        {
            case PointwiseOp.Clip: return v < a ? a : v > b ? b : v;
            case PointwiseOp.LeakyRelu: return v < 0f ? a * v : v;
            case PointwiseOp.Elu: return v < 0f ? a * (XMath.Exp(v) - 1f) : v;
            case PointwiseOp.HardSigmoid: return XMath.Max(0f, XMath.Min(1f, a * v + b));
            case PointwiseOp.Neg: return -v;
            case PointwiseOp.Abs: return XMath.Abs(v);
            case PointwiseOp.Exp: return XMath.Exp(v);
            case PointwiseOp.Softplus: return v > 20f ? v : XMath.Log(1f + XMath.Exp(v));
            case PointwiseOp.Selu: return v <= 0f ? b * a * (XMath.Exp(v) - 1f) : b * v;
            case PointwiseOp.Softsign: return v / (1f + XMath.Abs(v));
            case PointwiseOp.HardSwish: return v * XMath.Max(0f, XMath.Min(1f, v / 6f + 0.5f));
            case PointwiseOp.Reciprocal: return 1f / v;
            case PointwiseOp.Sqrt: return XMath.Sqrt(v);
            case PointwiseOp.Log: return XMath.Log(v);
            case PointwiseOp.Floor: return XMath.Floor(v);
            case PointwiseOp.Ceil: return XMath.Ceiling(v);
            case PointwiseOp.ThresholdedRelu: return v > a ? v : 0f;
            case PointwiseOp.Celu: return XMath.Max(0f, v) + XMath.Min(0f, a * (XMath.Exp(v / a) - 1f));
            case PointwiseOp.Sinh: return 0.5f * (XMath.Exp(v) - XMath.Exp(-v));
            case PointwiseOp.Cosh: return 0.5f * (XMath.Exp(v) + XMath.Exp(-v));
            default: return v;
        }
    }

    private static float Slope(float v, int op, float a, float b)
    {
        switch (op)
        {
            // PyTorch's convention: the gradient passes at the bounds themselves.
            case PointwiseOp.Clip: return v < a || v > b ? 0f : 1f;
            case PointwiseOp.LeakyRelu: return v < 0f ? a : 1f;
            case PointwiseOp.Elu: return v < 0f ? a * XMath.Exp(v) : 1f;
            case PointwiseOp.HardSigmoid: { float z = a * v + b; return z > 0f && z < 1f ? a : 0f; }
            case PointwiseOp.Neg: return -1f;
            case PointwiseOp.Abs: return v > 0f ? 1f : v < 0f ? -1f : 0f;
            case PointwiseOp.Exp: return XMath.Exp(v);
            case PointwiseOp.Softplus: return v > 20f ? 1f : 1f / (1f + XMath.Exp(-v));
            case PointwiseOp.Selu: return v <= 0f ? b * a * XMath.Exp(v) : b;
            case PointwiseOp.Softsign: { float d = 1f + XMath.Abs(v); return 1f / (d * d); }
            case PointwiseOp.HardSwish: return v < -3f ? 0f : v > 3f ? 1f : v / 3f + 0.5f;
            case PointwiseOp.Reciprocal: return -1f / (v * v);
            case PointwiseOp.Sqrt: return 0.5f / XMath.Sqrt(v);
            case PointwiseOp.Log: return 1f / v;
            // Step functions: zero almost everywhere, as autograd has it.
            case PointwiseOp.Floor: return 0f;
            case PointwiseOp.Ceil: return 0f;
            case PointwiseOp.ThresholdedRelu: return v > a ? 1f : 0f;
            case PointwiseOp.Celu: return v > 0f ? 1f : XMath.Exp(v / a);
            case PointwiseOp.Sinh: return 0.5f * (XMath.Exp(v) + XMath.Exp(-v));
            case PointwiseOp.Cosh: return 0.5f * (XMath.Exp(v) - XMath.Exp(-v));
            default: return 1f;
        }
    }
}

/// <summary>Op codes of <see cref="Pointwise"/>; a and b are the op's attributes.</summary>
public static class PointwiseOp
{
    /// <summary>min(max(x, a), b).</summary>
    public const int Clip = 0;
    /// <summary>x, or a·x below 0.</summary>
    public const int LeakyRelu = 1;
    /// <summary>x, or a·(eˣ − 1) below 0.</summary>
    public const int Elu = 2;
    /// <summary>max(0, min(1, a·x + b)).</summary>
    public const int HardSigmoid = 3;
    /// <summary>−x.</summary>
    public const int Neg = 4;
    /// <summary>|x|.</summary>
    public const int Abs = 5;
    /// <summary>eˣ.</summary>
    public const int Exp = 6;
    /// <summary>log(1 + eˣ).</summary>
    public const int Softplus = 7;
    /// <summary>b·x, or b·a·(eˣ − 1) at or below 0.</summary>
    public const int Selu = 8;
    /// <summary>x/(1 + |x|).</summary>
    public const int Softsign = 9;
    /// <summary>x·max(0, min(1, x/6 + 1/2)).</summary>
    public const int HardSwish = 10;
    /// <summary>1/x.</summary>
    public const int Reciprocal = 11;
    /// <summary>√x.</summary>
    public const int Sqrt = 12;
    /// <summary>ln x.</summary>
    public const int Log = 13;
    /// <summary>⌊x⌋ (gradient 0).</summary>
    public const int Floor = 14;
    /// <summary>⌈x⌉ (gradient 0).</summary>
    public const int Ceil = 15;
    /// <summary>x above a, else 0.</summary>
    public const int ThresholdedRelu = 16;
    /// <summary>max(0, x) + min(0, a·(e^(x/a) − 1)).</summary>
    public const int Celu = 17;
    /// <summary>sinh x.</summary>
    public const int Sinh = 18;
    /// <summary>cosh x.</summary>
    public const int Cosh = 19;
}
