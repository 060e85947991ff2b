using System.Text.Json.Nodes;
using Podnet.Api.Json;
using Podnet.Api.Resources;
using Podnet.ControlPlane.Storage;

namespace Podnet.ControlPlane.Server;

public sealed partial class ResourceService
{
    /// <summary>Namespaces that always exist and may not be deleted.</summary>
    public static readonly string[] SystemNamespaces = ["default", "kube-system", "kube-public"];

    /// <summary>Deletes an object. A pod bound to a node is deleted gracefully, as in Kubernetes:
    /// the first delete sets metadata.deletionTimestamp (its kubelet then stops the containers
    /// and deletes it with gracePeriodSeconds=0). Deleting a namespace deletes its objects.</summary>
    public async Task<JsonObject> DeleteAsync(ApiResource r, string? ns, string name, long? gracePeriodSeconds = null,
        bool dryRun = false, string? precondition = null, CancellationToken ct = default)
    {
        for (int attempt = 0; ; attempt++)
        {
            var current = await store.GetAsync(r.Key(ns, name), ct) ?? throw ApiError.NotFound(r, name);
            if (precondition is not null && precondition != current.Revision.ToString()) throw ApiError.Conflict(r, name);
            var obj = KubeJson.Parse(current.Value);
            if (r == ApiResources.Namespaces && SystemNamespaces.Contains(name))
                throw ApiError.Forbidden(r, name, "this namespace may not be deleted");
            if (dryRun) return obj;
            try
            {
                if (r == ApiResources.Pods && GracePeriod(obj, gracePeriodSeconds) is long grace and > 0)
                {
                    var meta = obj.Metadata();
                    if (meta["deletionTimestamp"] is not null) return obj; // already terminating
                    meta["deletionTimestamp"] = _clock.GetUtcNow().AddSeconds(grace).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
                    meta["deletionGracePeriodSeconds"] = grace;
                    var updated = await store.UpdateAsync(r.Key(ns, name), obj, current.Revision, ct);
                    return KubeJson.Parse(updated.Value);
                }
                if (r == ApiResources.Namespaces) await DeleteNamespaceContentsAsync(name, ct);
                var deleted = await store.DeleteAsync(r.Key(ns, name), current.Revision, ct);
                if (r == ApiResources.Services) services.Release(obj);
                return KubeJson.Parse(deleted.Value);
            }
            catch (StoreException e) when (e.Error is StoreError.Conflict && precondition is null && attempt < 50) { }
            catch (StoreException e) when (e.Error is StoreError.NotFound) { throw ApiError.NotFound(r, name); }
            catch (StoreException e) when (e.Error is StoreError.Conflict) { throw ApiError.Conflict(r, name); }
        }
    }

    /// <summary>Grace period of a pod delete: 0 (immediate) when the pod never ran on a node or
    /// has finished; otherwise the request's value or the pod's terminationGracePeriodSeconds.</summary>
    private static long GracePeriod(JsonObject pod, long? requested)
    {
        if (string.IsNullOrEmpty(pod.AtPath("spec.nodeName"))) return 0;
        if (pod.AtPath("status.phase") is "Succeeded" or "Failed") return 0;
        if (requested is long g) return Math.Max(0, g);
        return long.TryParse(pod.AtPath("spec.terminationGracePeriodSeconds"), out var t) ? Math.Max(0, t) : 30;
    }

    private async Task DeleteNamespaceContentsAsync(string ns, CancellationToken ct)
    {
        foreach (var r in ApiResources.All.Where(r => r.Namespaced))
        {
            var (items, _) = await store.ListAsync(r.KeyPrefix(ns), ct);
            foreach (var item in items)
            {
                try
                {
                    await store.DeleteAsync(item.Key, 0, ct);
                    if (r == ApiResources.Services) services.Release(KubeJson.Parse(item.Value));
                }
                catch (StoreException e) when (e.Error == StoreError.NotFound) { }
            }
        }
    }
}
