using IlgpuBlindSpots.Network.Layers;

namespace IlgpuBlindSpots.Tests.Reference;

/// <summary>
/// A float64 model of the same spec and weights, layer by layer from the plain references: the
/// definition the device model is held to, and the function finite differences are taken of.
/// </summary>
internal sealed class ModelReference
{
    private readonly SequentialModel model;
    private readonly Dictionary<string, double[]> weights;

    public ModelReference(SequentialModel model)
    {
        this.model = model;
        weights = model.Parameters.ToDictionary(p => p.Name, p => p.Value.ToArray().Select(v => (double)v).ToArray());
    }

    public double[] this[string name] => weights[name];

    /// <summary>Logits of one example (C·H·W values).</summary>
    public double[] Logits(double[] x) => Activations(x, model.Layers.Count);

    /// <summary>Output of the first <paramref name="layerCount"/> layers for one example, flattened.</summary>
    public double[] Activations(double[] x, int layerCount)
    {
        int[] shape = model.InputShape;
        double[] a = x;
        for (int i = 0; i < layerCount; i++)
        {
            var layer = model.Layers[i];
            switch (layer)
            {
                case DenseLayer d:
                    var w = weights[d.Weight.Name];
                    var b = weights[d.Bias.Name];
                    var y = new double[d.OutFeatures];
                    for (int o = 0; o < d.OutFeatures; o++)
                    {
                        double s = b[o];
                        for (int k = 0; k < d.InFeatures; k++) s += a[k] * w[o * d.InFeatures + k];
                        y[o] = s;
                    }
                    a = y;
                    break;
                case ActivationLayer act:
                    a = a.Select(v => act.Kind switch
                    {
                        ActivationKind.Relu => Math.Max(v, 0),
                        ActivationKind.Sigmoid => 1 / (1 + Math.Exp(-v)),
                        _ => Math.Tanh(v),
                    }).ToArray();
                    break;
                case DropoutLayer:
                    break; // evaluation mode
                default:
                    a = ExtraLayers.Forward(layer, shape, a, weights);
                    break;
            }
            shape = layer.OutputShape(shape);
        }
        return a;
    }

    /// <summary>−log softmax(z)[label] in float64.</summary>
    public static double CrossEntropy(double[] z, int label)
    {
        double max = z.Max();
        double sum = z.Sum(v => Math.Exp(v - max));
        return Math.Log(sum) + max - z[label];
    }

    public double Loss(double[] x, int label) => CrossEntropy(Logits(x), label);

    /// <summary>Sets a weight value (for finite differences over parameters).</summary>
    public void SetWeight(string name, int index, double value) => weights[name][index] = value;
}
