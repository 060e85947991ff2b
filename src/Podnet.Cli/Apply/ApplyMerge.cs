using System.Text.Json.Nodes;

namespace Podnet.Cli.Apply;

/// <summary>kubectl apply's three-way merge, on JSON: the new manifest wins for the fields it sets,
/// fields the previous apply set but the new manifest dropped are removed, and fields only the
/// server set (clusterIP, nodePort, nodeName, status, …) are kept. Lists of objects are merged
/// item by item on a key (name, port, containerPort) so server-set fields inside them survive.</summary>
public static class ApplyMerge
{
    public const string LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

    private static readonly string[] MergeKeys = ["name", "port", "containerPort", "ip", "type"];

    /// <summary>The object to write: <paramref name="live"/> with the change from
    /// <paramref name="lastApplied"/> (may be null) to <paramref name="manifest"/> applied.</summary>
    public static JsonObject Merge(JsonObject live, JsonObject? lastApplied, JsonObject manifest) =>
        MergeObject(live, lastApplied, manifest);

    private static JsonObject MergeObject(JsonObject live, JsonObject? original, JsonObject modified)
    {
        var result = (JsonObject)live.DeepClone();
        if (original is not null)
            foreach (var (key, _) in original)
                if (!modified.ContainsKey(key)) result.Remove(key);
        foreach (var (key, value) in modified)
        {
            var liveValue = result[key];
            var originalValue = original?[key];
            switch (value)
            {
                case null:
                    result.Remove(key);
                    break;
                case JsonObject mo when liveValue is JsonObject lo:
                    result[key] = MergeObject(lo, originalValue as JsonObject, mo);
                    break;
                case JsonArray ma when liveValue is JsonArray la:
                    result[key] = MergeList(la, originalValue as JsonArray, ma);
                    break;
                default:
                    result[key] = value.DeepClone();
                    break;
            }
        }
        return result;
    }

    private static JsonArray MergeList(JsonArray live, JsonArray? original, JsonArray modified)
    {
        var key = KeyOf(modified);
        if (key is null) return (JsonArray)modified.DeepClone();
        var result = new JsonArray();
        foreach (var item in modified)
        {
            var m = (JsonObject)item!;
            var id = m[key]!.ToJsonString();
            var l = live.OfType<JsonObject>().FirstOrDefault(x => x[key]?.ToJsonString() == id);
            var o = original?.OfType<JsonObject>().FirstOrDefault(x => x[key]?.ToJsonString() == id);
            result.Add(l is null ? m.DeepClone() : MergeObject(l, o, m));
        }
        return result;
    }

    /// <summary>The first merge key every item has, with distinct values; null when there is none.</summary>
    private static string? KeyOf(JsonArray items)
    {
        if (items.Count == 0 || items.Any(i => i is not JsonObject)) return null;
        foreach (var k in MergeKeys)
        {
            var values = items.Select(i => ((JsonObject)i!)[k]).ToList();
            if (values.All(v => v is JsonValue) && values.Select(v => v!.ToJsonString()).Distinct().Count() == values.Count) return k;
        }
        return null;
    }

    /// <summary>The previous manifest stored in the annotation, or null.</summary>
    public static JsonObject? LastApplied(JsonObject live)
    {
        var text = live["metadata"]?["annotations"]?[LastAppliedAnnotation] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        if (text is null) return null;
        try { return JsonNode.Parse(text) as JsonObject; }
        catch (System.Text.Json.JsonException) { return null; }
    }

    /// <summary>The manifest with its own copy stored in the last-applied annotation.</summary>
    public static JsonObject WithLastApplied(JsonObject manifest)
    {
        var copy = (JsonObject)manifest.DeepClone();
        if (copy["metadata"]?["annotations"] is JsonObject ann) ann.Remove(LastAppliedAnnotation);
        var text = copy.ToJsonString();
        var result = (JsonObject)manifest.DeepClone();
        if (result["metadata"] is not JsonObject meta) result["metadata"] = meta = new JsonObject();
        if (meta["annotations"] is not JsonObject annotations) meta["annotations"] = annotations = new JsonObject();
        annotations[LastAppliedAnnotation] = text;
        return result;
    }
}
