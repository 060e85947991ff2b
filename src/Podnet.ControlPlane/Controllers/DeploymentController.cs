using System.Text.Json.Nodes;
using Podnet.Api.Json;
using Podnet.Api.Models;
using Podnet.Api.Resources;
using Podnet.ControlPlane.Server;

namespace Podnet.ControlPlane.Controllers;

/// <summary>Runs each Deployment's pods directly (no ReplicaSet objects): pods named
/// <c>{deployment}-{pod-template-hash}-{random}</c>, owned by the Deployment, replaced by a
/// rolling update when the template changes, deleted with the Deployment; keeps its status.</summary>
public sealed class DeploymentController : QueueController
{
    private readonly ResourceService _svc;
    private readonly LocalInformer _deployments, _pods;
    // Pods this controller created or deleted that its cache does not reflect yet ("expectations"):
    // planning on a stale cache would create or delete twice.
    private readonly Dictionary<string, (HashSet<string> Created, HashSet<string> Deleted, DateTime Until)> _pending = [];

    public DeploymentController(ResourceService svc) : base("deployment")
    {
        _svc = svc;
        _deployments = new LocalInformer(svc, ApiResources.Deployments);
        _pods = new LocalInformer(svc, ApiResources.Pods);
        _deployments.OnChange((_, d, _) => Queue.Add(LocalInformer.Key(d)));
        _pods.OnChange((_, pod, _) =>
        {
            if (Owner(pod) is { } owner) Queue.Add($"{pod.Namespace()}/{owner.Name}");
        });
    }

    protected override IReadOnlyList<LocalInformer> Informers => [_deployments, _pods];

    protected override Task OnSyncedAsync(CancellationToken ct)
    {
        foreach (var d in _deployments.Items) Queue.Add(LocalInformer.Key(d));
        foreach (var p in _pods.Items) if (Owner(p) is { } o) Queue.Add($"{p.Namespace()}/{o.Name}");
        return Task.CompletedTask;
    }

    private static OwnerReference? Owner(JsonObject pod) =>
        pod["metadata"]?["ownerReferences"] is JsonArray refs
            ? KubeJson.As<List<OwnerReference>>(refs).FirstOrDefault(r => r.Kind == "Deployment" && r.Controller == true)
            : null;

    protected override async Task ReconcileAsync(string key, CancellationToken ct)
    {
        var ns = key[..key.IndexOf('/')];
        var name = key[(key.IndexOf('/') + 1)..];
        var obj = _deployments.Get(key);
        var uid = obj?.Uid();
        var owned = new List<Pod>();
        foreach (var p in _pods.Items.Where(p => p.Namespace() == ns))
        {
            if (Owner(p) is not { } o || o.Name != name) continue;
            var pod = KubeJson.As<Pod>(p);
            if (o.Uid != uid) await DeletePodAsync(pod, ct); // orphan of a deleted deployment (garbage collection)
            else owned.Add(pod);
        }
        if (obj is null) return;
        if (!ExpectationsMet(key, ns)) return; // the cache events still to come re-queue this key
        var d = KubeJson.As<Deployment>(obj);
        var hash = DeploymentPlanner.TemplateHash(obj["spec"]?["template"]);
        var live = owned.Where(p => !p.IsTerminating && !p.IsFinished).ToList();
        // Failed or completed pods are replaced, as a ReplicaSet would.
        foreach (var done in owned.Where(p => p.IsFinished && !p.IsTerminating)) await DeletePodAsync(done, ct);
        var newPods = live.Where(p => p.Metadata.Labels?.GetValueOrDefault(Deployment.PodTemplateHashLabel) == hash).ToList();
        var oldPods = live.Except(newPods).ToList();
        var replicas = d.Spec.Replicas ?? 1;
        var ru = d.Spec.Strategy?.RollingUpdate;
        var surge = ru?.MaxSurge?.Scaled(replicas, roundUp: true) ?? (int)Math.Ceiling(replicas * 0.25);
        var unavailable = ru?.MaxUnavailable?.Scaled(replicas, roundUp: false) ?? (int)Math.Floor(replicas * 0.25);
        var plan = DeploymentPlanner.Plan(replicas, d.Spec.Strategy?.Type == "Recreate", surge, unavailable,
            newPods.Select(State).ToList(), oldPods.Select(State).ToList());

        var expect = (Created: new HashSet<string>(), Deleted: new HashSet<string>(), Until: DateTime.UtcNow.AddSeconds(10));
        _pending[key] = expect;
        for (int i = 0; i < plan.Create; i++) expect.Created.Add(await CreatePodAsync(obj, hash, ct));
        foreach (var podName in plan.Delete)
        {
            expect.Deleted.Add(podName);
            await DeletePodAsync(live.First(p => p.Metadata.Name == podName), ct);
        }
        await UpdateStatusAsync(d, newPods, live, unavailable, ct);
    }

    private bool ExpectationsMet(string key, string ns)
    {
        if (!_pending.TryGetValue(key, out var e)) return true;
        var met = DateTime.UtcNow > e.Until ||
            (e.Created.All(n => _pods.Get(ns, n) is not null) &&
             e.Deleted.All(n => _pods.Get(ns, n) is not { } p || p["metadata"]?["deletionTimestamp"] is not null));
        if (met) _pending.Remove(key);
        return met;
    }

    private static PodState State(Pod p) => new(p.Metadata.Name!, p.IsReady, p.Metadata.CreationTimestamp ?? DateTimeOffset.MinValue);

    private async Task<string> CreatePodAsync(JsonObject deployment, string hash, CancellationToken ct)
    {
        var template = deployment["spec"]?["template"] as JsonObject ?? new JsonObject();
        var name = deployment.Name()!;
        var meta = template["metadata"] is JsonObject tm ? (JsonObject)tm.DeepClone() : new JsonObject();
        if (meta["labels"] is not JsonObject labels) meta["labels"] = labels = new JsonObject();
        labels[Deployment.PodTemplateHashLabel] = hash;
        meta.Remove("name");
        meta["generateName"] = $"{(name.Length > 46 ? name[..46] : name)}-{hash}-";
        meta["ownerReferences"] = new JsonArray(new JsonObject
        {
            ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = name, ["uid"] = deployment.Uid(),
            ["controller"] = true, ["blockOwnerDeletion"] = true,
        });
        var pod = new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Pod", ["metadata"] = meta,
            ["spec"] = template["spec"]?.DeepClone() ?? new JsonObject(),
        };
        return (await _svc.CreateAsync(ApiResources.Pods, deployment.Namespace(), pod, ct: ct)).Name()!;
    }

    private async Task DeletePodAsync(Pod pod, CancellationToken ct)
    {
        try { await _svc.DeleteAsync(ApiResources.Pods, pod.Metadata.Namespace, pod.Metadata.Name!, ct: ct); }
        catch (ApiError e) when (e.Code == 404) { }
    }

    private async Task UpdateStatusAsync(Deployment d, List<Pod> newPods, List<Pod> live, int maxUnavailable, CancellationToken ct)
    {
        var replicas = d.Spec.Replicas ?? 1;
        var ready = live.Count(p => p.IsReady);
        var status = new JsonObject
        {
            ["observedGeneration"] = d.Metadata.Generation ?? 1,
            ["replicas"] = live.Count,
            ["updatedReplicas"] = newPods.Count,
            ["readyReplicas"] = ready,
            ["availableReplicas"] = ready,
            ["unavailableReplicas"] = Math.Max(0, replicas - ready),
        };
        var availableNow = ready >= replicas - maxUnavailable ? "True" : "False";
        var complete = newPods.Count == replicas && live.Count == replicas && newPods.All(p => p.IsReady);
        try
        {
            await _svc.GuaranteedUpdateAsync(ApiResources.Deployments, d.Metadata.Namespace, d.Metadata.Name!, cur =>
            {
                var old = cur["status"] as JsonObject;
                var next = (JsonObject)status.DeepClone();
                next["conditions"] = new JsonArray(
                    Condition(old, "Available", availableNow, availableNow == "True" ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable"),
                    Condition(old, "Progressing", "True", complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated"));
                if (KubeJson.DeepEquals(old, next)) return null;
                cur["status"] = next;
                return cur;
            }, "status", ct);
        }
        catch (ApiError e) when (e.Code == 404) { }
    }

    /// <summary>A condition that keeps its lastTransitionTime while its status does not change.</summary>
    private JsonObject Condition(JsonObject? oldStatus, string type, string status, string reason)
    {
        var prev = (oldStatus?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => c.Str("type") == type);
        var since = prev is not null && prev.Str("status") == status ? prev.Str("lastTransitionTime") : _svc.Now();
        return new JsonObject { ["type"] = type, ["status"] = status, ["reason"] = reason, ["lastTransitionTime"] = since };
    }
}
