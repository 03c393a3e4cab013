using Google.Protobuf;
using IlgpuBlindSpots.Network.Data;
using IlgpuBlindSpots.Network.Layers;
using IlgpuBlindSpots.Network.Models;
using Onnx;
using static IlgpuBlindSpots.Network.ModelFiles.OnnxProtoParts;

namespace IlgpuBlindSpots.Network.ModelFiles;

/// <summary>A model read from an ONNX file, with what the reader changed on the way (a dropped trailing softmax, an input normalisation made a norm layer), one line each.</summary>
/// <param name="Model">The model, on the device it was read for; the caller disposes it.</param>
/// <param name="Notices">One line per change made on import; empty when the graph mapped as it was.</param>
public sealed record OnnxImport(Model Model, IReadOnlyList<string> Notices);

/// <summary>
/// A <see cref="SequentialModel"/> as an ONNX file. Reading maps a feed-forward classifier graph
/// (Gemm, MatMul+Add, Conv, MaxPool, Relu, Sigmoid, Tanh, Flatten, Reshape to [batch, −1], Dropout,
/// Identity, input normalisation by constants, a trailing Softmax/LogSoftmax; opsets 9 to 17) onto
/// the project's layers; anything else is a <see cref="BlindSpotsException"/> naming the file and
/// the node. Writing gives opset 13 with a symbolic batch dimension and raw-data initializers.
/// </summary>
public static class OnnxModelFile
{
    /// <summary>The file extension by which a model path is taken for ONNX.</summary>
    public const string Extension = ".onnx";
    /// <summary>The ONNX opset <see cref="Save"/> writes.</summary>
    public const int WrittenOpset = 13;

    /// <summary>Whether <paramref name="path"/> names an ONNX file (by its extension).</summary>
    public static bool IsOnnx(string path) => path.EndsWith(Extension, StringComparison.OrdinalIgnoreCase);

    /// <summary>Builds the model an ONNX file describes; see <see cref="Read(ComputeDevice, string)"/> for the notices.</summary>
    public static Model Load(ComputeDevice device, string path) => Read(device, path).Model;

    /// <summary>Builds the model an ONNX file describes and says what was left out of it.</summary>
    /// <exception cref="BlindSpotsException">The file is unreadable, not ONNX, or holds an op or shape that has no
    /// layer here; the message names the file and the node.</exception>
    public static OnnxImport Read(ComputeDevice device, string path) => Read(device, path, classifier: true);

    /// <summary>
    /// Builds the model an ONNX file describes: a chain of the project's layers where the graph is
    /// one (<see cref="SequentialModel"/>, which every chain-only analysis takes), else a
    /// <see cref="GraphModel"/> of any supported ops. With <paramref name="classifier"/> a trailing
    /// Softmax/LogSoftmax is dropped (the model gives logits); without, it is kept as a layer.
    /// </summary>
    /// <exception cref="BlindSpotsException">The file is unreadable, not ONNX, or holds an op or shape that has no
    /// layer here; the message names the file and the node.</exception>
    public static OnnxImport Read(ComputeDevice device, string path, bool classifier)
    {
        var proto = Parse(path);
        if (classifier)
        {
            try
            {
                return ReadChain(device, path, proto);
            }
            catch (BlindSpotsException)
            {
                // Not a chain of the project's layers: the graph importer decides, and its message is the one to give.
            }
        }
        var (model, notices) = OnnxGraphImporter.Import(path, proto, device, classifier);
        return new OnnxImport(model, notices);
    }

    private static ModelProto Parse(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BlindSpotsException($"{path}: cannot read: {e.Message}", e);
        }
        ModelProto proto;
        try
        {
            proto = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or ArgumentException or InvalidOperationException)
        {
            throw new BlindSpotsException($"{path}: not an ONNX model (not a valid protobuf message: {e.Message})", e);
        }
        return proto;
    }

    private static OnnxImport ReadChain(ComputeDevice device, string path, ModelProto proto)
    {
        var (spec, inputShape, weights, notices) = OnnxImporter.Import(path, proto);
        SequentialModel model;
        try
        {
            model = SequentialModel.Create(device, spec, inputShape);
        }
        catch (BlindSpotsException e)
        {
            throw new BlindSpotsException($"{path}: {e.Message}", e);
        }
        try
        {
            for (int i = 0; i < model.Layers.Count; i++)
            {
                var layer = model.Layers[i];
                if (layer.Parameters.Count == 0) continue;
                layer.Parameters[0].Value.CopyFrom(weights[i].Weight);
                layer.Parameters[1].Value.CopyFrom(weights[i].Bias);
            }
            return new OnnxImport(model, notices);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes the model atomically as ONNX opset 13: input <c>input</c> [batch, C, H, W], output
    /// <c>logits</c> [batch, classes]; Conv, MaxPool, Gemm (after a Flatten where the input is an
    /// image), Relu/Sigmoid/Tanh, Sub+Mul for a <see cref="NormalizeLayer"/>; dropout is left out
    /// (it is the identity in evaluation).
    /// </summary>
    public static void Save(string path, Model source)
    {
        if (source is GraphModel graphModel)
        {
            OnnxGraphExporter.Save(path, graphModel);
            return;
        }
        var model = source.AsChain("ONNX export");
        var graph = new GraphProto { Name = "blindspots" };
        graph.Input.Add(BatchedValue("input", model.InputShape));
        graph.Output.Add(BatchedValue("logits", [model.Classes]));
        string current = "input";
        int rank = 3;
        for (int i = 0; i < model.Layers.Count; i++)
        {
            var layer = model.Layers[i];
            string name = $"layer{i}";
            string Node(string op, string[] inputs, params AttributeProto[] attributes)
            {
                var node = new NodeProto { Name = $"{name}/{op}", OpType = op };
                node.Input.AddRange(inputs);
                node.Output.Add(node.Name);
                node.Attribute.AddRange(attributes);
                graph.Node.Add(node);
                return node.Name;
            }
            string Initializer(string suffix, float[] values, params long[] dims)
            {
                graph.Initializer.Add(OnnxTensor.Encode($"{name}.{suffix}", values, dims));
                return $"{name}.{suffix}";
            }
            switch (layer)
            {
                case NormalizeLayer n:
                    long[] dims = rank == 3 ? [n.Channels, 1, 1] : [1];
                    current = Node("Sub", [current, Initializer("mean", n.ChannelMeans, dims)]);
                    // The kernel multiplies by 1/std; so does the graph, so both round alike.
                    current = Node("Mul", [current, Initializer("scale", n.Scales, dims)]);
                    break;
                case Conv2dLayer c:
                    current = Node("Conv", [current, Initializer("weight", c.Weight.Value.ToArray(), c.Filters, c.InChannels, c.KernelHeight, c.KernelWidth),
                            Initializer("bias", c.Bias.Value.ToArray(), c.Filters)],
                        Ints("kernel_shape", c.KernelHeight, c.KernelWidth), Ints("strides", c.Stride, c.Stride),
                        Ints("pads", c.Padding, c.Padding, c.Padding, c.Padding), Ints("dilations", 1, 1), Int("group", 1));
                    break;
                case MaxPoolLayer m:
                    current = Node("MaxPool", [current], Ints("kernel_shape", m.WindowHeight, m.WindowWidth),
                        Ints("strides", m.Stride, m.Stride), Ints("pads", m.Padding, m.Padding, m.Padding, m.Padding), Int("ceil_mode", 0));
                    break;
                case DenseLayer d:
                    if (rank != 1) current = Node("Flatten", [current], Int("axis", 1));
                    rank = 1;
                    current = Node("Gemm", [current, Initializer("weight", d.Weight.Value.ToArray(), d.OutFeatures, d.InFeatures),
                        Initializer("bias", d.Bias.Value.ToArray(), d.OutFeatures)], Int("transB", 1));
                    break;
                case ActivationLayer a:
                    current = Node(a.Kind switch { ActivationKind.Relu => "Relu", ActivationKind.Sigmoid => "Sigmoid", _ => "Tanh" }, [current]);
                    break;
                case DropoutLayer:
                    break;
                default:
                    throw new BlindSpotsException($"{path}: layer '{layer.Spec}' has no ONNX form");
            }
        }
        // The last node writes the graph output.
        graph.Node[^1].Output[0] = "logits";
        var proto = new ModelProto { IrVersion = 7, ProducerName = "blindspots", Graph = graph };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = WrittenOpset });
        AtomicFile.Write(path, s => proto.WriteTo(s));
    }
}
