using System.Text;
using System.Text.Json.Nodes;

namespace IlgpuBlindSpots.Tests.Fixtures;

/// <summary>
/// Seeded damage to a JSON object that keeps it plausible: a value of the wrong type, a huge or
/// negative number, a key given twice, keys in another order, a key missing, the text cut off, or
/// bytes flipped. For the JSON a program writes and reads back (run descriptions, result rows,
/// completion records, safetensors headers).
/// </summary>
internal static class JsonMutation
{
    private static readonly string[] WrongValues =
    [
        "\"x\"", "\"\"", "[]", "{}", "null", "true", "-1", "0", "1.5", "2147483648", "-2147483649", "1e308", "-1e308",
        "9007199254740993", "\"NaN\"", "\"-Infinity\"", "[2147483647, 2147483647]", "[0, 1000000000000000]",
        "\"" + new string('9', 400) + "\"",
    ];

    /// <summary>The wrong values, and nesting deeper than a JSON reader's default limit (written as text only).</summary>
    private static readonly string[] WrongText =
        [.. WrongValues, string.Concat(Enumerable.Repeat("[", 100)) + string.Concat(Enumerable.Repeat("]", 100))];

    /// <summary>One mutation of <paramref name="json"/>, a JSON object.</summary>
    public static string Mutate(string json, Random rng)
    {
        var root = JsonNode.Parse(json)!.AsObject();
        var target = PickObject(root, rng);
        var keys = target.Select(p => p.Key).ToList();
        switch (rng.Next(8))
        {
            case 0 when keys.Count > 0:
            case 1 when keys.Count > 0:
                target[keys[rng.Next(keys.Count)]] = JsonNode.Parse(WrongValues[rng.Next(WrongValues.Length)]);
                return root.ToJsonString();
            case 2 when keys.Count > 0:
                // A key twice: the second copy, with another value, written in by hand (JsonObject cannot hold it).
                string key = keys[rng.Next(keys.Count)];
                string text = root.ToJsonString();
                string duplicate = $"\"{key}\":{WrongText[rng.Next(WrongText.Length)]},";
                int at = target == root ? 1 : text.IndexOf(target.ToJsonString(), StringComparison.Ordinal) + 1;
                return text.Insert(Math.Max(1, at), duplicate);
            case 3:
                var shuffled = target.Select(p => (p.Key, Value: p.Value?.DeepClone())).OrderBy(_ => rng.Next()).ToList();
                target.Clear();
                foreach (var (k, v) in shuffled) target[k] = v;
                return root.ToJsonString();
            case 4 when keys.Count > 0:
                target.Remove(keys[rng.Next(keys.Count)]);
                return root.ToJsonString();
            case 5:
                string whole = root.ToJsonString();
                return whole[..rng.Next(whole.Length)];
            case 6:
                return Encoding.UTF8.GetString(ByteMutation.Mutate(Encoding.UTF8.GetBytes(json), rng));
            default:
                return root.ToJsonString().Replace("}", "," + $"\"extra{rng.Next(9)}\":{WrongText[rng.Next(WrongText.Length)]}}}");
        }
    }

    /// <summary>The object itself or, half the time, one of the objects nested in it.</summary>
    private static JsonObject PickObject(JsonObject root, Random rng)
    {
        var nested = root.Select(p => p.Value).OfType<JsonObject>().ToList();
        return nested.Count > 0 && rng.Next(2) == 0 ? nested[rng.Next(nested.Count)] : root;
    }
}
