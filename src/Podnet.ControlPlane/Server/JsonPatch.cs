using System.Text.Json.Nodes;

namespace Podnet.ControlPlane.Server;

/// <summary>RFC 6902 JSON patch (add, remove, replace, move, copy, test).</summary>
public static class JsonPatch
{
    public static JsonNode Apply(JsonNode target, JsonNode patch)
    {
        if (patch is not JsonArray ops) throw ApiError.BadRequest("a JSON patch must be an array of operations");
        var doc = target.DeepClone();
        foreach (var opNode in ops)
        {
            if (opNode is not JsonObject op) throw ApiError.BadRequest("a JSON patch operation must be an object");
            var kind = op["op"]?.ToString();
            var path = op["path"]?.ToString() ?? throw ApiError.BadRequest("JSON patch operation without \"path\"");
            switch (kind)
            {
                case "add": doc = Set(doc, path, op["value"]?.DeepClone(), insert: true); break;
                case "replace": Get(doc, path); doc = Set(doc, path, op["value"]?.DeepClone(), insert: false); break;
                case "remove": doc = Remove(doc, path); break;
                case "move":
                    var from = op["from"]?.ToString() ?? throw ApiError.BadRequest("move without \"from\"");
                    var moved = Get(doc, from)?.DeepClone();
                    doc = Set(Remove(doc, from), path, moved, insert: true);
                    break;
                case "copy":
                    doc = Set(doc, path, Get(doc, op["from"]?.ToString() ?? "")?.DeepClone(), insert: true);
                    break;
                case "test":
                    if (!JsonNode.DeepEquals(Get(doc, path), op["value"]))
                        throw new ApiError(422, "Invalid", $"JSON patch test failed at {path}");
                    break;
                default: throw ApiError.BadRequest($"unsupported JSON patch operation \"{kind}\"");
            }
        }
        return doc;
    }

    private static string[] Parts(string path) =>
        path.Length == 0 ? [] : path.TrimStart('/').Split('/').Select(p => p.Replace("~1", "/").Replace("~0", "~")).ToArray();

    private static JsonNode? Get(JsonNode doc, string path)
    {
        JsonNode? cur = doc;
        foreach (var p in Parts(path))
        {
            cur = cur switch
            {
                JsonObject o when o.TryGetPropertyValue(p, out var v) => v,
                JsonArray a when int.TryParse(p, out var i) && i >= 0 && i < a.Count => a[i],
                _ => throw new ApiError(422, "Invalid", $"JSON patch path {path} does not exist"),
            };
        }
        return cur;
    }

    private static JsonNode Set(JsonNode doc, string path, JsonNode? value, bool insert)
    {
        var parts = Parts(path);
        if (parts.Length == 0) return value ?? throw ApiError.BadRequest("cannot replace the document with null");
        var parent = Get(doc, "/" + string.Join('/', parts[..^1].Select(Esc)));
        var last = parts[^1];
        switch (parent)
        {
            case JsonObject o: o[last] = value; break;
            case JsonArray a when last == "-": a.Add(value); break;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i <= a.Count:
                if (insert) a.Insert(i, value);
                else a[i] = value;
                break;
            default: throw new ApiError(422, "Invalid", $"JSON patch path {path} does not exist");
        }
        return doc;
    }

    private static JsonNode Remove(JsonNode doc, string path)
    {
        var parts = Parts(path);
        var parent = Get(doc, "/" + string.Join('/', parts[..^1].Select(Esc)));
        var last = parts[^1];
        var ok = parent switch
        {
            JsonObject o => o.Remove(last),
            JsonArray a when int.TryParse(last, out var i) && i >= 0 && i < a.Count => Do(() => a.RemoveAt(i)),
            _ => false,
        };
        if (!ok) throw new ApiError(422, "Invalid", $"JSON patch path {path} does not exist");
        return doc;
    }

    private static bool Do(Action a) { a(); return true; }
    private static string Esc(string s) => s.Replace("~", "~0").Replace("/", "~1");
}
