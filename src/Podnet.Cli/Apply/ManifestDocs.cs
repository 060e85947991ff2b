using System.Text.Json.Nodes;
using Podnet.Api.Manifests;
using Podnet.Api.Resources;
using Podnet.Cli.Output;
using Podnet.Cli.Resources;

namespace Podnet.Cli.Apply;

/// <summary>One object of a manifest, resolved: its type, namespace and name, and where it came from.</summary>
public sealed record ManifestDoc(string Source, int Index, JsonObject Object, ApiResource Api, ResourceType Type, string? Namespace, string Name)
{
    /// <summary>Position among all documents of all sources (orders error reports).</summary>
    public int Seq { get; init; }

    /// <summary>e.g. <c>cafe.yaml: document 2 (Service "coffee")</c>.</summary>
    public string Label => $"{Source}: document {Index} ({Api.Kind} \"{Name}\")";

    public string Display => $"{Type.Qualified}/{Name}";
}

/// <summary>Parses manifest sources into documents, checking locally what needs no server: YAML
/// syntax, kind and apiVersion, metadata.name, the namespace against -n, and the same object
/// twice. Every problem is reported, each naming its document.</summary>
public static class ManifestDocs
{
    public static (List<ManifestDoc> Docs, List<(int Seq, string Message)> Errors) Load(IReadOnlyList<ManifestSource> sources, string defaultNs, bool nsExplicit)
    {
        var docs = new List<ManifestDoc>();
        var errors = new ErrorList();
        var seen = new Dictionary<string, ManifestDoc>();
        foreach (var src in sources)
        {
            IReadOnlyList<JsonObject> objects;
            try { objects = ManifestParser.ParseObjects(src.Text, src.Name); }
            catch (ManifestException e)
            {
                errors.Add(e.Message.StartsWith(src.Name, StringComparison.Ordinal) ? e.Message : $"{src.Name}: {e.Message}");
                continue;
            }
            if (objects.Count == 0) errors.Add($"{src.Name}: no objects passed to apply (the manifest is empty)");
            for (int i = 0; i < objects.Count; i++)
            {
                errors.Seq++;
                var obj = (JsonObject)objects[i].DeepClone();
                var label = $"{src.Name}: {ManifestParser.Describe(i + 1, obj)}";
                if (!ApiResources.TryResolve(obj.Str("kind"), obj.Str("apiVersion"), out var api, out var error))
                {
                    errors.Add($"{label}: {error}");
                    continue;
                }
                var type = ResourceTypes.ByKind(api!.Kind)!;
                if (obj["metadata"] is not JsonObject meta)
                {
                    errors.Add($"{label}: metadata: Required value: an object needs metadata.name");
                    continue;
                }
                var name = obj.Str("metadata.name");
                if (string.IsNullOrEmpty(name))
                {
                    errors.Add($"{label}: metadata.name: Required value: name is required");
                    continue;
                }
                string? ns = null;
                if (api.Namespaced)
                {
                    var own = obj.Str("metadata.namespace");
                    if (own is { Length: > 0 } && nsExplicit && own != defaultNs)
                    {
                        errors.Add($"{label}: the namespace from the provided object \"{own}\" does not match the namespace \"{defaultNs}\". You must pass '--namespace={own}' to perform this operation.");
                        continue;
                    }
                    ns = own is { Length: > 0 } ? own : defaultNs;
                    meta["namespace"] = ns;
                }
                else meta.Remove("namespace");
                var doc = new ManifestDoc(src.Name, i + 1, obj, api, type, ns, name) { Seq = errors.Seq };
                var key = $"{api.Kind}/{ns}/{name}";
                if (seen.TryGetValue(key, out var prev))
                {
                    errors.Add($"{doc.Label}: metadata.name: Duplicate value: \"{name}\": {api.Kind} \"{(ns is null ? name : ns + "/" + name)}\" is also defined by {prev.Label}");
                    continue;
                }
                seen[key] = doc;
                docs.Add(doc);
            }
        }
        return (docs, errors);
    }

    /// <summary>Errors tagged with the sequence number of the document being read.</summary>
    private sealed class ErrorList : List<(int Seq, string Message)>
    {
        public int Seq;
        public void Add(string message) => Add((Seq, message));
    }
}
