using System.Text.Json.Nodes;

namespace Podnet.Api.Json;

/// <summary>RFC 7386 JSON merge patch: objects merge recursively, null deletes, anything else
/// (arrays included) replaces.</summary>
public static class JsonMergePatch
{
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject p) return patch?.DeepClone();
        var result = target is JsonObject t ? (JsonObject)t.DeepClone() : new JsonObject();
        foreach (var (key, value) in p)
        {
            if (value is null) { result.Remove(key); continue; }
            result.TryGetPropertyValue(key, out var existing);
            var merged = Apply(existing, value);
            result[key] = merged;
        }
        return result;
    }

    /// <summary>The merge patch that turns <paramref name="from"/> into <paramref name="to"/>.</summary>
    public static JsonObject Diff(JsonObject from, JsonObject to)
    {
        var patch = new JsonObject();
        foreach (var (key, value) in from)
            if (!to.ContainsKey(key)) patch[key] = null;
        foreach (var (key, value) in to)
        {
            from.TryGetPropertyValue(key, out var old);
            if (JsonNode.DeepEquals(old, value) && from.ContainsKey(key)) continue;
            patch[key] = old is JsonObject oo && value is JsonObject no ? Diff(oo, no) : value?.DeepClone();
        }
        return patch;
    }
}
