using Onnx;

namespace IlgpuBlindSpots.Network.ModelFiles;

/// <summary>
/// The protobuf pieces both ONNX writers (<see cref="OnnxModelFile"/> for chains,
/// <see cref="OnnxGraphExporter"/> for graphs) build alike: a float32 value with a symbolic batch
/// dimension, and the node attributes.
/// </summary>
internal static class OnnxProtoParts
{
    /// <summary>A float32 graph input or output shaped [batch, perExample...].</summary>
    public static ValueInfoProto BatchedValue(string name, IEnumerable<int> perExample)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        foreach (int d in perExample) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = shape } } };
    }

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };
}
