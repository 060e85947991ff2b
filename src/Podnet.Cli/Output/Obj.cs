using System.Globalization;
using System.Text.Json.Nodes;

namespace Podnet.Cli.Output;

/// <summary>Tolerant reads of API objects for display: a missing or mistyped field reads as
/// null or empty, never throws, so one odd object cannot break a whole table.</summary>
public static class Obj
{
    public static JsonNode? At(this JsonNode? node, string dotted)
    {
        foreach (var part in dotted.Split('.'))
        {
            if (node is not JsonObject o || !o.TryGetPropertyValue(part, out node)) return null;
        }
        return node;
    }

    public static string? Str(this JsonNode? node, string dotted) => node.At(dotted) switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v => v.ToJsonString(),
        _ => null,
    };

    public static long? Long(this JsonNode? node, string dotted) => node.At(dotted) switch
    {
        JsonValue v when v.TryGetValue<long>(out var l) => l,
        JsonValue v when v.TryGetValue<double>(out var d) => (long)d,
        JsonValue v when v.TryGetValue<string>(out var s) && long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) => l,
        _ => null,
    };

    public static bool? Bool(this JsonNode? node, string dotted) => node.At(dotted) switch
    {
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        _ => null,
    };

    public static IEnumerable<JsonObject> Objects(this JsonNode? node, string dotted) =>
        node.At(dotted) is JsonArray a ? a.OfType<JsonObject>() : [];

    public static IEnumerable<string> Strings(this JsonNode? node, string dotted) =>
        node.At(dotted) is JsonArray a
            ? a.Select(x => x is JsonValue v && v.TryGetValue<string>(out var s) ? s : null).OfType<string>()
            : [];

    /// <summary>A string map such as metadata.labels, in key order.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Map(this JsonNode? node, string dotted)
    {
        if (node.At(dotted) is not JsonObject o) return [];
        return o.Select(kv => new KeyValuePair<string, string>(kv.Key, kv.Value switch
            {
                JsonValue v when v.TryGetValue<string>(out var s) => s,
                null => "",
                var x => x.ToJsonString(),
            }))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .ToList();
    }

    public static string Name(this JsonObject o) => o.Str("metadata.name") ?? "";
    public static string? Namespace(this JsonObject o) => o.Str("metadata.namespace");

    public static DateTimeOffset? Time(this JsonNode? node, string dotted) =>
        node.Str(dotted) is { } s && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    /// <summary><c>k=v,k2=v2</c>, or <c>&lt;none&gt;</c> for an empty map.</summary>
    public static string Labels(IReadOnlyList<KeyValuePair<string, string>> map) =>
        map.Count == 0 ? "<none>" : string.Join(",", map.Select(kv => $"{kv.Key}={kv.Value}"));
}
