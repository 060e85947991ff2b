using System.Text.Json.Nodes;
using Podnet.Api.Json;
using Podnet.Api.Manifests;
using Podnet.Api.Resources;

namespace Podnet.Api.Client;

public enum ApplyAction { Created, Configured, Unchanged }

public sealed record ApplyResult(ManifestDocument Document, ApplyAction Action, JsonObject Object)
{
    /// <summary>kubectl-style line: <c>service/coffee created</c>.</summary>
    public override string ToString() =>
        $"{Document.Resource.Kind.ToLowerInvariant()}/{Object.Name()} {Action.ToString().ToLowerInvariant()}";
}

/// <summary>A document the API rejected; <see cref="Position"/> is its index in the list given to
/// <see cref="Applier.ApplyAsync"/>.</summary>
public sealed record ApplyFailure(int Position, ManifestDocument Document, ApiException Error)
{
    public override string ToString() => $"{Document.Describe()}: {Error.Message}";
}

/// <summary>The API rejected the manifest: in the dry run (<see cref="Failures"/> lists every
/// document it rejected, and nothing was written) or, rarely, in the write of one document (the
/// documents before it were written).</summary>
public sealed class ApplyException(IReadOnlyList<ApplyFailure> failures)
    : Exception(string.Join("\n", failures), failures[0].Error)
{
    public IReadOnlyList<ApplyFailure> Failures { get; } = failures;
    public ManifestDocument Document => Failures[0].Document;
    public ApiException ApiError => Failures[0].Error;
}

/// <summary><c>apply</c> of a manifest: every document is first checked by the server with
/// <c>dryRun=All</c>; only when all pass is anything written. An object that exists is replaced
/// (spec, labels, annotations from the manifest; status and server-allocated fields such as a
/// Service's clusterIP and nodePorts are kept).</summary>
public static class Applier
{
    /// <param name="applied">Called after each write, in order (e.g. to remember what was created
    /// even when a later write fails).</param>
    public static async Task<IReadOnlyList<ApplyResult>> ApplyAsync(ApiClient api, IReadOnlyList<ManifestDocument> docs,
        string? defaultNamespace = null, Action<ApplyResult>? applied = null, CancellationToken ct = default)
    {
        var prepared = docs.Select(d => d with { Object = Prepare(d, defaultNamespace) }).ToList();
        // A namespace created by an earlier document does not exist yet during the dry run.
        var creates = new HashSet<string>(prepared.Where(d => d.Resource == ApiResources.Namespaces).Select(d => d.Object.Name()!));
        var rejected = new List<ApplyFailure>();
        for (int i = 0; i < prepared.Count; i++)
        {
            var d = prepared[i];
            try { await ApplyOneAsync(api, d, dryRun: true, ct); }
            catch (ApiException e) when (e.IsNotFound && e.Status.Details?.Kind == "namespaces" &&
                                         d.Object.Namespace() is { } ns && creates.Contains(ns) && e.Status.Details.Name == ns) { }
            catch (ApiException e) { rejected.Add(new ApplyFailure(i, d, e)); }
        }
        if (rejected.Count > 0) throw new ApplyException(rejected);
        var results = new List<ApplyResult>();
        for (int i = 0; i < prepared.Count; i++)
        {
            try { results.Add(await ApplyOneAsync(api, prepared[i], dryRun: false, ct)); }
            catch (ApiException e) { throw new ApplyException([new ApplyFailure(i, prepared[i], e)]); }
            applied?.Invoke(results[^1]);
        }
        return results;
    }

    private static JsonObject Prepare(ManifestDocument d, string? defaultNamespace)
    {
        var o = (JsonObject)d.Object.DeepClone();
        if (d.Resource.Namespaced && o.Namespace() is null) o.Metadata()["namespace"] = defaultNamespace ?? "default";
        return o;
    }

    private static async Task<ApplyResult> ApplyOneAsync(ApiClient api, ManifestDocument d, bool dryRun, CancellationToken ct)
    {
        var r = d.Resource;
        var name = d.Object.Name();
        var ns = r.Namespaced ? d.Object.Namespace() : null;
        var current = name is null ? null : await api.TryGetAsync(r, ns, name, ct);
        if (current is null)
            return new ApplyResult(d, ApplyAction.Created, await api.CreateAsync(d.Object, dryRun, ct));
        var desired = (JsonObject)d.Object.DeepClone();
        desired.Metadata()["resourceVersion"] = current.ResourceVersion();
        var updated = await api.UpdateAsync(desired, dryRun, ct);
        var same = KubeJson.DeepEquals(Without(updated), Without(current));
        return new ApplyResult(d, same ? ApplyAction.Unchanged : ApplyAction.Configured, updated);
    }

    private static JsonObject Without(JsonObject o)
    {
        var c = (JsonObject)o.DeepClone();
        c.Metadata().Remove("resourceVersion");
        return c;
    }
}
