using System.Text.Json.Serialization;

namespace IlgpuBlindSpots.Network.ModelFiles;

/// <summary>
/// One node of a graph model as the <c>graph</c> metadata of a model file stores it (JSON): its op,
/// the values it reads (0 is the input; constants are tensors <c>const.N</c>), and the integer and
/// float attributes the op needs. Parameters are the file's tensors named <c>NAME.weight</c>/<c>NAME.bias</c>.
/// </summary>
public sealed record GraphNodeRecord
{
    /// <summary>The node's name, which prefixes its parameters' names.</summary>
    [JsonPropertyName("name")] public string Name { get; init; } = "";
    /// <summary>conv, gconv, dense, relu/sigmoid/tanh, pointwise, maxpool, avgpool, affine, pad, softmax, reshape, add/sub/mul/div, concat.</summary>
    [JsonPropertyName("op")] public string Op { get; init; } = "";
    /// <summary>The values read.</summary>
    [JsonPropertyName("inputs")] public int[] Inputs { get; init; } = [];
    /// <summary>The value written.</summary>
    [JsonPropertyName("output")] public int Output { get; init; }
    /// <summary>Integer attributes, in the op's order.</summary>
    [JsonPropertyName("ints")] public int[] Ints { get; init; } = [];
    /// <summary>Float attributes, in the op's order.</summary>
    [JsonPropertyName("floats")] public float[] Floats { get; init; } = [];
}
