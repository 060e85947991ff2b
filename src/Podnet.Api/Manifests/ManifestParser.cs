using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Podnet.Api.Json;
using Podnet.Api.Resources;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Podnet.Api.Manifests;

/// <summary>One object of a manifest, with its position for error messages.</summary>
public sealed record ManifestDocument(int Index, JsonObject Object, ApiResource Resource)
{
    /// <summary>e.g. <c>document 2 (Service "coffee")</c>.</summary>
    public string Describe() => ManifestParser.Describe(Index, Object);
}

public sealed class ManifestException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Multi-document YAML (or JSON) → JSON objects, typed the way Kubernetes reads YAML:
/// quoted scalars stay strings, plain <c>80</c> is a number, plain <c>true</c> a bool,
/// plain <c>null</c>/<c>~</c>/empty is null.</summary>
public static partial class ManifestParser
{
    [GeneratedRegex("^[-+]?(0|[1-9][0-9]*)$")] private static partial Regex IntRx();
    [GeneratedRegex("^0x[0-9a-fA-F]+$")] private static partial Regex HexRx();
    [GeneratedRegex("^0o[0-7]+$")] private static partial Regex OctRx();
    [GeneratedRegex("^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$")] private static partial Regex FloatRx();

    /// <summary>Parses every document into raw JSON objects (empty documents are skipped;
    /// <c>kind: List</c> is expanded into its items).</summary>
    public static IReadOnlyList<JsonObject> ParseObjects(string text, string source = "manifest")
    {
        var stream = new YamlStream();
        try { stream.Load(new StringReader(text)); }
        catch (YamlException e)
        {
            throw new ManifestException($"{source}: invalid YAML at line {e.Start.Line}, column {e.Start.Column}: {Inner(e)}", e);
        }
        var result = new List<JsonObject>();
        int index = 0;
        foreach (var doc in stream.Documents)
        {
            index++;
            var node = Convert(doc.RootNode, 0);
            if (node is null) continue;
            if (node is not JsonObject obj)
                throw new ManifestException($"{source}: document {index} is not a mapping (an object with apiVersion, kind, metadata)");
            if (obj.Kind() == "List" && obj["items"] is JsonArray items)
            {
                foreach (var item in items)
                    if (item is JsonObject io) result.Add((JsonObject)io.DeepClone());
                continue;
            }
            result.Add(obj);
        }
        return result;
    }

    /// <summary>Parses and resolves every document's kind + apiVersion; the first bad document
    /// fails the whole manifest with a message naming it.</summary>
    public static IReadOnlyList<ManifestDocument> Parse(string text, string source = "manifest")
    {
        var objects = ParseObjects(text, source);
        var docs = new List<ManifestDocument>();
        for (int i = 0; i < objects.Count; i++)
        {
            var obj = objects[i];
            if (!ApiResources.TryResolve(obj.Kind(), obj.ApiVersion(), out var resource, out var error))
                throw new ManifestException($"{source}: {Describe(i + 1, obj)}: {error}");
            docs.Add(new ManifestDocument(i + 1, obj, resource!));
        }
        return docs;
    }

    public static string Describe(int index, JsonObject obj)
    {
        var kind = obj.Kind() ?? "object";
        var name = obj.Name();
        return name is null ? $"document {index} ({kind})" : $"document {index} ({kind} \"{name}\")";
    }

    private static JsonNode? Convert(YamlNode node, int depth)
    {
        if (depth > 100) throw new ManifestException("manifest nests too deeply (more than 100 levels)");
        switch (node)
        {
            case YamlMappingNode map:
                var obj = new JsonObject();
                foreach (var (k, v) in map.Children)
                {
                    var key = k is YamlScalarNode ks ? ks.Value ?? "" : throw new ManifestException($"line {k.Start.Line}: mapping keys must be scalars");
                    if (obj.ContainsKey(key)) throw new ManifestException($"line {k.Start.Line}: duplicate key \"{key}\"");
                    obj[key] = Convert(v, depth + 1);
                }
                return obj;
            case YamlSequenceNode seq:
                var arr = new JsonArray();
                foreach (var item in seq.Children) arr.Add(Convert(item, depth + 1));
                return arr;
            case YamlScalarNode s:
                return Scalar(s);
            default:
                return null;
        }
    }

    private static JsonNode? Scalar(YamlScalarNode s)
    {
        var v = s.Value ?? "";
        var tag = s.Tag.IsEmpty ? "" : s.Tag.Value;
        if (tag is "tag:yaml.org,2002:str" or "!!str") return JsonValue.Create(v);
        if (s.Style is not ScalarStyle.Plain && tag.Length == 0) return JsonValue.Create(v);
        switch (v)
        {
            case "" or "~" or "null" or "Null" or "NULL": return null;
            case "true" or "True" or "TRUE": return JsonValue.Create(true);
            case "false" or "False" or "FALSE": return JsonValue.Create(false);
        }
        if (IntRx().IsMatch(v))
            return long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) ? JsonValue.Create(l) : JsonValue.Create(v);
        if (HexRx().IsMatch(v)) return JsonValue.Create(System.Convert.ToInt64(v[2..], 16));
        if (OctRx().IsMatch(v)) return JsonValue.Create(System.Convert.ToInt64(v[2..], 8));
        if (FloatRx().IsMatch(v) && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
            return JsonValue.Create(d);
        return JsonValue.Create(v);
    }

    private static string Inner(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e.Message;
    }
}
