using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Podnet.Cli.Args;
using Podnet.Cli.Resources;

namespace Podnet.Cli.Output;

public enum OutputFormat { Table, Wide, Yaml, Json, Name, JsonPath }

/// <summary>The <c>-o</c> formats other than tables: yaml, json (4-space indent, as kubectl),
/// name (<c>pod/x</c>), jsonpath=TEMPLATE.</summary>
public static class ObjectPrinter
{
    public static (OutputFormat Format, string? Template) ParseFormat(string? o) => o switch
    {
        null or "" => (OutputFormat.Table, null),
        "wide" => (OutputFormat.Wide, null),
        "yaml" => (OutputFormat.Yaml, null),
        "json" => (OutputFormat.Json, null),
        "name" => (OutputFormat.Name, null),
        _ when o.StartsWith("jsonpath=", StringComparison.Ordinal) => (OutputFormat.JsonPath, o["jsonpath=".Length..]),
        _ => throw new UsageException($"unable to match a printer suitable for the output format \"{o}\", allowed formats are: json, jsonpath, name, wide, yaml"),
    };

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        IndentSize = 4,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Json(JsonNode node)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, WriterOptions)) node.WriteTo(w);
        return Encoding.UTF8.GetString(ms.ToArray()) + "\n";
    }

    /// <summary>One object as itself, several as a <c>List</c>, as kubectl prints them.</summary>
    public static JsonNode Wrap(IReadOnlyList<JsonObject> items, bool single) =>
        single && items.Count == 1
            ? items[0]
            : new JsonObject
            {
                ["apiVersion"] = "v1",
                ["items"] = new JsonArray(items.Select(i => (JsonNode)i.DeepClone()).ToArray()),
                ["kind"] = "List",
                ["metadata"] = new JsonObject { ["resourceVersion"] = "" },
            };

    public static string Name(ResourceType t, JsonObject o) => $"{t.Qualified}/{o.Name()}";
}
