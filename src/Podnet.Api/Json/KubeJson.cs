using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Podnet.Api.Json;

/// <summary>JSON conventions shared by the API server, clients and controllers.
/// Objects travel as <see cref="JsonObject"/> so fields Podnet does not model are preserved;
/// typed records are read-only views made with <see cref="As{T}"/>.</summary>
public static class KubeJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = false,
    };

    public static JsonObject Parse(ReadOnlySpan<byte> utf8) =>
        JsonNode.Parse(utf8) as JsonObject ?? throw new JsonException("expected a JSON object");

    public static JsonObject Parse(string json) =>
        JsonNode.Parse(json) as JsonObject ?? throw new JsonException("expected a JSON object");

    public static byte[] ToBytes(JsonNode node) => JsonSerializer.SerializeToUtf8Bytes(node, Options);

    public static string ToJson(JsonNode node) => node.ToJsonString(Options);

    /// <summary>Typed view of an object (unknown fields are dropped from the view only).</summary>
    public static T As<T>(JsonNode node) => node.Deserialize<T>(Options)
        ?? throw new JsonException($"could not read {typeof(T).Name}");

    public static JsonObject From<T>(T value) =>
        JsonSerializer.SerializeToNode(value, Options) as JsonObject
        ?? throw new JsonException($"could not write {typeof(T).Name}");

    public static JsonObject Metadata(this JsonObject obj)
    {
        if (obj["metadata"] is JsonObject m) return m;
        m = new JsonObject();
        obj["metadata"] = m;
        return m;
    }

    public static string? Str(this JsonNode? node, string name) =>
        node is JsonObject o && o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static string? Name(this JsonObject obj) => obj["metadata"].Str("name");
    public static string? Namespace(this JsonObject obj) => obj["metadata"].Str("namespace");
    public static string? Kind(this JsonObject obj) => obj.Str("kind");
    public static string? ApiVersion(this JsonObject obj) => obj.Str("apiVersion");
    public static string? Uid(this JsonObject obj) => obj["metadata"].Str("uid");
    public static string? ResourceVersion(this JsonObject obj) => obj["metadata"].Str("resourceVersion");

    public static IReadOnlyDictionary<string, string> Labels(this JsonObject obj)
    {
        var result = new Dictionary<string, string>();
        if (obj["metadata"]?["labels"] is JsonObject labels)
            foreach (var (k, v) in labels)
                if (v is JsonValue jv && jv.TryGetValue<string>(out var s)) result[k] = s;
        return result;
    }

    /// <summary>Value at a dotted path such as <c>spec.nodeName</c>, as a string (numbers and
    /// bools in their JSON text); null when absent.</summary>
    public static string? AtPath(this JsonObject obj, string dotted)
    {
        JsonNode? cur = obj;
        foreach (var part in dotted.Split('.'))
        {
            if (cur is not JsonObject o || !o.TryGetPropertyValue(part, out cur)) return null;
        }
        return cur switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonValue v => v.ToJsonString(),
            _ => cur.ToJsonString(),
        };
    }

    /// <summary>Forces a parsed tree to build all its nodes now. <see cref="JsonNode"/>s created by
    /// parsing fill themselves lazily on first access, which is not thread-safe; a materialized
    /// tree can be read from several threads (as long as nobody writes it).</summary>
    public static T Materialize<T>(T node) where T : JsonNode
    {
        switch (node)
        {
            case JsonObject o: foreach (var (_, v) in o) if (v is not null) Materialize(v); break;
            case JsonArray a: foreach (var v in a) if (v is not null) Materialize(v); break;
        }
        return node;
    }

    /// <summary>Structural equality of two JSON trees (object key order ignored).</summary>
    public static bool DeepEquals(JsonNode? a, JsonNode? b) => JsonNode.DeepEquals(a, b);
}
