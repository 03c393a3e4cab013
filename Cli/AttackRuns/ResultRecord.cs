using System.Text.Json;
using System.Text.Json.Serialization;

namespace IlgpuBlindSpots.Cli.AttackRuns;

/// <summary>One line of <c>results.jsonl</c>: the outcome of attacking one example.</summary>
internal sealed record ResultRecord
{
    /// <summary>The example's index in the data set (not in the shard or the range).</summary>
    [JsonPropertyName("index")] public required int Index { get; init; }
    [JsonPropertyName("label")] public required int Label { get; init; }
    /// <summary>The target class; −1 for an untargeted attack.</summary>
    [JsonPropertyName("target")] public required int Target { get; init; }
    [JsonPropertyName("already_misclassified")] public required bool AlreadyMisclassified { get; init; }
    [JsonPropertyName("success")] public required bool Success { get; init; }
    [JsonPropertyName("prediction_before")] public required int PredictionBefore { get; init; }
    [JsonPropertyName("prediction_after")] public required int PredictionAfter { get; init; }
    /// <summary>The paper's distortion √(Σr²/n).</summary>
    [JsonPropertyName("distortion")] public required double Distortion { get; init; }
    [JsonPropertyName("l2")] public required double L2 { get; init; }
    [JsonPropertyName("linf")] public required double LInf { get; init; }
    /// <summary>The weight c on |r|² of the solve that gave the kept perturbation (L-BFGS attack only).</summary>
    [JsonPropertyName("c")] public double? C { get; init; }
    /// <summary>
    /// A lower bound on the L2 perturbation that can change the label: the logit margin divided by
    /// √2 times the network's upper Lipschitz bound (the paper's stability analysis).
    /// </summary>
    [JsonPropertyName("certified_l2")] public double? CertifiedL2 { get; init; }
    [JsonPropertyName("iterations")] public required int Iterations { get; init; }
    [JsonPropertyName("evaluations")] public required int Evaluations { get; init; }
    /// <summary>For --method best: the attack whose perturbation was kept; absent otherwise.</summary>
    [JsonPropertyName("method")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Method { get; init; }
    /// <summary>This example's share of its batch's wall time.</summary>
    [JsonPropertyName("seconds")] public required double Seconds { get; init; }

    private static readonly JsonSerializerOptions Options = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    /// <summary>Parses one line; anything that is not a complete record is an error naming the file and line.</summary>
    public static ResultRecord Parse(string line, string file, int lineNumber)
    {
        try
        {
            return JsonSerializer.Deserialize<ResultRecord>(line, Options)
                   ?? throw new JsonException("empty");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or ArgumentException or FormatException)
        {
            // The serializer names the offending field by its JSON path ($.index), when it knows it.
            string field = e is JsonException { Path: { Length: > 2 } path } ? $"field '{path[2..]}': " : "";
            string reason = e.Message.Split(". Path:")[0].Split(". LineNumber")[0];
            throw new BlindSpotsException($"{file} line {lineNumber}: {field}not an attack result of this program ({reason})");
        }
    }
}
