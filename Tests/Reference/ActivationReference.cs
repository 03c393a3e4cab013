using IlgpuBlindSpots.Network.Layers;
namespace IlgpuBlindSpots.Tests.Reference;

/// <summary>The activations the project uses, in plain float64: the definitions the kernels are held to.</summary>

/// <summary>Plain float64 activations, forward and backward, element by element.</summary>
internal static class ActivationReference
{
    public static double Value(ActivationKind kind, double x) => kind switch
    {
        ActivationKind.Relu => Math.Max(x, 0.0),
        ActivationKind.Sigmoid => 1.0 / (1.0 + Math.Exp(-x)),
        _ => Math.Tanh(x),
    };

    /// <summary>dy/dx at x; ReLU's derivative at 0 is taken as 0.</summary>
    public static double Derivative(ActivationKind kind, double x)
    {
        double y = Value(kind, x);
        return kind switch
        {
            ActivationKind.Relu => x > 0 ? 1.0 : 0.0,
            ActivationKind.Sigmoid => y * (1.0 - y),
            _ => 1.0 - y * y,
        };
    }

    public static double[] Forward(ActivationKind kind, float[] x) =>
        x.Select(v => Value(kind, v)).ToArray();

    public static double[] Backward(ActivationKind kind, float[] x, float[] dy) =>
        x.Select((v, i) => dy[i] * Derivative(kind, v)).ToArray();
}
