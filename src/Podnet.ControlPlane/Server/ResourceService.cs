using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Podnet.Api.Json;
using Podnet.Api.Resources;
using Podnet.Api.Selectors;
using Podnet.Api.Validation;
using Podnet.ControlPlane.Allocation;
using Podnet.ControlPlane.Storage;

namespace Podnet.ControlPlane.Server;

/// <summary>The API's semantics independent of HTTP: defaulting, validation, metadata
/// (uid, creationTimestamp, generation, resourceVersion), optimistic concurrency, status
/// subresources, service allocation and graceful pod deletion. Controllers call it directly.</summary>
public sealed partial class ResourceService(IObjectStore store, ServiceAllocator services, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public IObjectStore Store => store;
    public ServiceAllocator Services => services;

    public async Task<JsonObject> GetAsync(ApiResource r, string? ns, string name, CancellationToken ct = default)
    {
        var o = await store.GetAsync(r.Key(ns, name), ct) ?? throw ApiError.NotFound(r, name);
        return KubeJson.Parse(o.Value);
    }

    public async Task<JsonObject?> TryGetAsync(ApiResource r, string? ns, string name, CancellationToken ct = default)
    {
        var o = await store.GetAsync(r.Key(ns, name), ct);
        return o is null ? null : KubeJson.Parse(o.Value);
    }

    public async Task<(List<JsonObject> Items, long Revision)> ListAsync(ApiResource r, string? ns,
        LabelSelector? labels = null, FieldSelector? fields = null, CancellationToken ct = default)
    {
        var (items, rev) = await store.ListAsync(r.KeyPrefix(ns), ct);
        var result = new List<JsonObject>();
        foreach (var item in items)
        {
            var o = KubeJson.Parse(item.Value);
            if ((labels ?? LabelSelector.Everything).Matches(o) && (fields ?? FieldSelector.Everything).Matches(o)) result.Add(o);
        }
        return (result, rev);
    }

    public async Task<JsonObject> CreateAsync(ApiResource r, string? ns, JsonObject body, bool dryRun = false, CancellationToken ct = default)
    {
        var obj = (JsonObject)body.DeepClone();
        CheckKind(r, obj);
        var meta = obj.Metadata();
        if (r.Namespaced)
        {
            var bodyNs = meta.Str("namespace");
            ns ??= bodyNs ?? "default";
            if (bodyNs is not null && bodyNs != ns)
                throw ApiError.BadRequest($"the namespace of the provided object ({bodyNs}) does not match the namespace sent on the request ({ns})");
            meta["namespace"] = ns;
        }
        else meta.Remove("namespace");
        if (string.IsNullOrEmpty(meta.Str("name")) && meta.Str("generateName") is { Length: > 0 } gen)
            meta["name"] = gen + RandomSuffix();
        var name = meta.Str("name");
        foreach (var f in new[] { "resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds" }) meta.Remove(f);
        meta["uid"] = Guid.NewGuid().ToString();
        meta["creationTimestamp"] = Now();
        meta["generation"] = 1;
        PrepareStatusOnCreate(r, obj);
        Defaults.Apply(r, obj);
        Validate(r, obj, name);
        // After validation, so a dry run reports a bad object even when its namespace is only
        // created by an earlier document of the same apply.
        if (r.Namespaced && ns is not null && await store.GetAsync(ApiResources.Namespaces.Key(null, ns), ct) is null)
            throw ApiError.NotFound(ApiResources.Namespaces, ns);

        ServiceAllocator.Reservation? reservation = null;
        if (r == ApiResources.Services) reservation = services.Allocate(obj, null);
        try
        {
            if (dryRun)
            {
                if (await store.GetAsync(r.Key(ns, name!), ct) is not null) throw ApiError.AlreadyExists(r, name!);
                reservation?.Rollback();
                return obj;
            }
            var stored = await store.CreateAsync(r.Key(ns, name!), obj, ct);
            reservation?.Commit();
            return KubeJson.Parse(stored.Value);
        }
        catch (StoreException e) when (e.Error == StoreError.AlreadyExists)
        {
            reservation?.Rollback();
            throw ApiError.AlreadyExists(r, name!);
        }
        catch
        {
            reservation?.Rollback();
            throw;
        }
    }

    /// <summary>PUT of an object or of its status subresource. A resourceVersion in the body is
    /// a precondition (409 Conflict when stale); without one the write is retried on races.</summary>
    public async Task<JsonObject> UpdateAsync(ApiResource r, string? ns, string name, JsonObject body, string? subresource = null,
        bool dryRun = false, CancellationToken ct = default)
    {
        var obj = (JsonObject)body.DeepClone();
        CheckKind(r, obj);
        var bodyName = obj.Name();
        if (bodyName is not null && bodyName != name)
            throw ApiError.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        var precondition = obj.ResourceVersion() is { Length: > 0 } rv ? rv : null;
        return await WriteLoopAsync(r, ns, name, precondition, _ => obj, subresource, dryRun, ct);
    }

    /// <summary>JSON merge patch (RFC 7386) of an object or its status.</summary>
    public Task<JsonObject> PatchAsync(ApiResource r, string? ns, string name, JsonNode patch, string? subresource = null,
        bool dryRun = false, bool jsonPatch = false, CancellationToken ct = default)
    {
        var precondition = patch is JsonObject po && po["metadata"].Str("resourceVersion") is { Length: > 0 } rv ? rv : null;
        return WriteLoopAsync(r, ns, name, precondition, current =>
        {
            var merged = jsonPatch ? JsonPatch.Apply(current, patch) : JsonMergePatch.Apply(current, patch);
            return merged as JsonObject ?? throw ApiError.BadRequest("the patch must produce a JSON object");
        }, subresource, dryRun, ct);
    }

    /// <summary>Read-modify-write that retries on conflicting writes (for controllers).
    /// <paramref name="mutate"/> returns null to skip the write.</summary>
    public Task<JsonObject> GuaranteedUpdateAsync(ApiResource r, string? ns, string name, Func<JsonObject, JsonObject?> mutate,
        string? subresource = null, CancellationToken ct = default) =>
        WriteLoopAsync(r, ns, name, null, mutate, subresource, false, ct);

    private async Task<JsonObject> WriteLoopAsync(ApiResource r, string? ns, string name, string? precondition,
        Func<JsonObject, JsonObject?> produce, string? subresource, bool dryRun, CancellationToken ct)
    {
        if (subresource is not null && (subresource != "status" || !r.HasStatus))
            throw new ApiError(404, "NotFound", $"{r.Plural} has no subresource \"{subresource}\"");
        for (int attempt = 0; ; attempt++)
        {
            var current = await store.GetAsync(r.Key(ns, name), ct) ?? throw ApiError.NotFound(r, name);
            if (precondition is not null && precondition != current.Revision.ToString())
                throw ApiError.Conflict(r, name);
            var currentObj = KubeJson.Parse(current.Value);
            var proposed = produce((JsonObject)currentObj.DeepClone());
            if (proposed is null) return currentObj;
            var next = Merge(r, currentObj, (JsonObject)proposed.DeepClone(), subresource);
            Validate(r, next, name);
            ServiceAllocator.Reservation? reservation = null;
            if (r == ApiResources.Services && subresource is null) reservation = services.Allocate(next, currentObj);
            // Generation counts spec changes, judged after server-filled fields (clusterIP…) are in.
            if (subresource is null && !SpecEquals(currentObj, next))
                next.Metadata()["generation"] = (currentObj["metadata"]?["generation"]?.GetValue<long>() ?? 1) + 1;
            if (KubeJson.DeepEquals(next, currentObj)) // no-op writes keep the resourceVersion, like Kubernetes
            {
                reservation?.Rollback();
                return currentObj;
            }
            if (dryRun) { reservation?.Rollback(); return next; }
            try
            {
                var stored = await store.UpdateAsync(r.Key(ns, name), next, current.Revision, ct);
                reservation?.Commit();
                return KubeJson.Parse(stored.Value);
            }
            catch (StoreException e) when (e.Error is StoreError.Conflict or StoreError.NotFound)
            {
                reservation?.Rollback();
                if (e.Error == StoreError.NotFound) throw ApiError.NotFound(r, name);
                if (precondition is not null || attempt > 50) throw ApiError.Conflict(r, name);
            }
            catch
            {
                reservation?.Rollback();
                throw;
            }
        }
    }

    /// <summary>Builds the object to store from the current one and the proposed one.</summary>
    private JsonObject Merge(ApiResource r, JsonObject current, JsonObject proposed, string? subresource)
    {
        JsonObject next;
        if (subresource == "status")
        {
            // Status writes change only the status.
            next = (JsonObject)current.DeepClone();
            SetOrRemove(next, "status", proposed["status"]);
        }
        else
        {
            next = proposed;
            next["apiVersion"] = r.ApiVersion;
            next["kind"] = r.Kind;
            if (r.HasStatus) SetOrRemove(next, "status", current["status"]);
            var meta = next.Metadata();
            var cur = current.Metadata();
            foreach (var f in new[] { "name", "namespace", "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation" })
            {
                if (cur[f] is null) meta.Remove(f);
                else meta[f] = cur[f]!.DeepClone();
            }
            Defaults.Apply(r, next);
            PreserveServerFields(r, current, next);
            if (r == ApiResources.Services) ServiceAllocator.DropTypeDependentFields(current, next);
            CheckImmutable(r, current, next);
        }
        next.Metadata()["resourceVersion"] = current.ResourceVersion();
        return next;
    }

    /// <summary>Fields the cluster filled in (a pod's node, a node's pod CIDRs) survive a
    /// replace that leaves them out, so re-applying a manifest does not undo them.</summary>
    private static void PreserveServerFields(ApiResource r, JsonObject current, JsonObject next)
    {
        string[] fields = r.Kind switch
        {
            "Pod" => ["nodeName"],
            "Node" => ["podCIDR", "podCIDRs"],
            _ => [],
        };
        if (fields.Length == 0 || current["spec"] is not JsonObject was) return;
        if (next["spec"] is not JsonObject spec) next["spec"] = spec = new JsonObject();
        foreach (var f in fields)
            if (spec[f] is null && was[f] is { } v) spec[f] = v.DeepClone();
    }

    private static void SetOrRemove(JsonObject o, string field, JsonNode? value)
    {
        if (value is null) o.Remove(field);
        else o[field] = value.DeepClone();
    }

    private static bool SpecEquals(JsonObject a, JsonObject b)
    {
        foreach (var key in a.Select(kv => kv.Key).Union(b.Select(kv => kv.Key)))
        {
            if (key is "metadata" or "status" or "apiVersion" or "kind") continue;
            if (!KubeJson.DeepEquals(a[key], b[key])) return false;
        }
        return true;
    }

    private static void CheckImmutable(ApiResource r, JsonObject current, JsonObject next)
    {
        var errors = new List<FieldError>();
        void Immutable(string path)
        {
            var was = current.AtPath(path);
            if (was is not null && was != next.AtPath(path)) errors.Add(FieldError.Invalid(path, next.AtPath(path), "field is immutable"));
        }
        switch (r.Kind)
        {
            case "Pod": Immutable("spec.nodeName"); break;
            case "Deployment":
                if (!KubeJson.DeepEquals(current["spec"]?["selector"], next["spec"]?["selector"]))
                    errors.Add(FieldError.Invalid("spec.selector", next["spec"]?["selector"]?.ToJsonString(), "field is immutable"));
                break;
            case "EndpointSlice": Immutable("addressType"); break;
        }
        if (errors.Count > 0) throw ApiError.Invalid(r, next.Name(), errors);
    }

    private static void PrepareStatusOnCreate(ApiResource r, JsonObject obj)
    {
        switch (r.Kind)
        {
            case "Service" or "Deployment" or "Ingress": obj.Remove("status"); break;
            case "Pod":
                if (obj["status"] is not JsonObject st) obj["status"] = st = new JsonObject();
                st["phase"] ??= "Pending";
                break;
            case "Namespace": obj["status"] = new JsonObject { ["phase"] = "Active" }; break;
        }
    }

    private static void Validate(ApiResource r, JsonObject obj, string? name)
    {
        var errors = ObjectValidator.Validate(r, obj);
        if (errors.Count > 0) throw ApiError.Invalid(r, name ?? obj.Name(), errors);
    }

    private static void CheckKind(ApiResource r, JsonObject obj)
    {
        var kind = obj.Kind();
        var apiVersion = obj.ApiVersion();
        if ((kind is not null && kind != r.Kind) || (apiVersion is not null && apiVersion != r.ApiVersion))
            throw ApiError.BadRequest($"the object ({apiVersion}, {kind}) does not belong at this path ({r.ApiVersion}, {r.Kind})");
        obj["kind"] = r.Kind;
        obj["apiVersion"] = r.ApiVersion;
        if (obj["metadata"] is not null and not JsonObject) throw ApiError.BadRequest("metadata must be an object");
    }

    public string Now() => _clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");

    private static string RandomSuffix()
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        return new string(Enumerable.Range(0, 5).Select(_ => alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)]).ToArray());
    }
}
