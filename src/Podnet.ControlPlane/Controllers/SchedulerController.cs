using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Podnet.Api.Client;
using Podnet.Api.Json;
using Podnet.Api.Models;
using Podnet.Api.Resources;
using Podnet.ControlPlane.Server;

namespace Podnet.ControlPlane.Controllers;

/// <summary>Binds pending pods to nodes: only Ready, schedulable nodes whose labels match the
/// pod's nodeSelector; among them the one running the fewest pods (then by name). Pods that
/// already name a node are left alone.</summary>
public sealed class SchedulerController : QueueController
{
    private readonly ResourceService _svc;
    private readonly LocalInformer _pods, _nodes;
    // Pods bound by us that the cache may not show yet, so back-to-back pods still spread.
    private readonly ConcurrentDictionary<string, string> _assumed = new();

    public SchedulerController(ResourceService svc) : base("scheduler")
    {
        _svc = svc;
        _pods = new LocalInformer(svc, ApiResources.Pods);
        _nodes = new LocalInformer(svc, ApiResources.Nodes);
        _pods.OnChange((type, pod, old) =>
        {
            if (type == WatchEventType.Deleted || !string.IsNullOrEmpty(pod.AtPath("spec.nodeName")))
                _assumed.TryRemove(LocalInformer.Key(pod), out _);
            if (type != WatchEventType.Deleted && NeedsScheduling(pod)) Queue.Add(LocalInformer.Key(pod));
        });
        _nodes.OnChange((_, _, _) => EnqueuePending());
    }

    protected override IReadOnlyList<LocalInformer> Informers => [_pods, _nodes];

    protected override Task OnSyncedAsync(CancellationToken ct)
    {
        EnqueuePending();
        return Task.CompletedTask;
    }

    private void EnqueuePending()
    {
        foreach (var p in _pods.Items) if (NeedsScheduling(p)) Queue.Add(LocalInformer.Key(p));
    }

    private static bool NeedsScheduling(JsonObject pod) =>
        string.IsNullOrEmpty(pod.AtPath("spec.nodeName")) && pod.AtPath("metadata.deletionTimestamp") is null;

    protected override async Task ReconcileAsync(string key, CancellationToken ct)
    {
        var pod = _pods.Get(key);
        if (pod is null || !NeedsScheduling(pod) || _assumed.ContainsKey(key)) return;
        var typed = KubeJson.As<Pod>(pod);
        var nodes = _nodes.Items.Select(KubeJson.As<Node>).ToList();
        var node = Pick(typed, nodes, PodCounts());
        if (node is null) return; // re-queued when nodes change
        _assumed[key] = node;
        try
        {
            await _svc.GuaranteedUpdateAsync(ApiResources.Pods, typed.Metadata.Namespace, typed.Metadata.Name!, p =>
            {
                if (!NeedsScheduling(p)) return null;
                p["spec"]!["nodeName"] = node;
                return p;
            }, ct: ct);
        }
        catch (ApiError e) when (e.Code == 404) { _assumed.TryRemove(key, out _); }
        catch
        {
            _assumed.TryRemove(key, out _);
            throw;
        }
    }

    private Dictionary<string, int> PodCounts()
    {
        var counts = new Dictionary<string, int>();
        foreach (var p in _pods.Items)
        {
            if (p.AtPath("spec.nodeName") is not { Length: > 0 } n || p.AtPath("status.phase") is "Succeeded" or "Failed") continue;
            counts[n] = counts.GetValueOrDefault(n) + 1;
        }
        foreach (var (podKey, n) in _assumed)
            if (_pods.Get(podKey) is { } p && string.IsNullOrEmpty(p.AtPath("spec.nodeName"))) counts[n] = counts.GetValueOrDefault(n) + 1;
        return counts;
    }

    /// <summary>The scheduling decision, kept pure for table tests.</summary>
    public static string? Pick(Pod pod, IEnumerable<Node> nodes, IReadOnlyDictionary<string, int> podCounts)
    {
        var selector = pod.Spec.NodeSelector ?? [];
        return nodes
            .Where(n => n.IsReady && n.Spec.Unschedulable != true)
            .Where(n => selector.All(kv => n.Metadata.Labels?.GetValueOrDefault(kv.Key) == kv.Value))
            .Where(n => n.Spec.Taints?.Any(t => t.Effect is "NoSchedule" or "NoExecute") != true)
            .OrderBy(n => podCounts.GetValueOrDefault(n.Metadata.Name!))
            .ThenBy(n => n.Metadata.Name, StringComparer.Ordinal)
            .Select(n => n.Metadata.Name)
            .FirstOrDefault();
    }
}
