using System.Globalization;
using Podnet.Api.Client;
using Podnet.Api.Json;
using Podnet.Api.Resources;
using Podnet.ControlPlane.Server;

namespace Podnet.ControlPlane.Controllers;

/// <summary>Removes terminating pods whose grace period is over: normally their kubelet deletes
/// them sooner, but a kubelet that is gone (node killed) must not keep them forever.</summary>
public sealed class PodGcController : QueueController
{
    private readonly ResourceService _svc;
    private readonly LocalInformer _pods;
    private readonly TimeProvider _clock;

    public PodGcController(ResourceService svc, TimeProvider? clock = null) : base("pod-gc")
    {
        _svc = svc;
        _clock = clock ?? TimeProvider.System;
        _pods = new LocalInformer(svc, ApiResources.Pods);
        _pods.OnChange((type, pod, _) => { if (type != WatchEventType.Deleted) Schedule(pod); });
    }

    protected override IReadOnlyList<LocalInformer> Informers => [_pods];

    private CancellationToken _ct;

    protected override Task OnSyncedAsync(CancellationToken ct)
    {
        _ct = ct;
        foreach (var p in _pods.Items) Schedule(p);
        return Task.CompletedTask;
    }

    private void Schedule(System.Text.Json.Nodes.JsonObject pod)
    {
        if (Deadline(pod) is not { } deadline) return;
        var wait = deadline - _clock.GetUtcNow();
        Queue.AddAfter(LocalInformer.Key(pod), wait > TimeSpan.Zero ? wait + TimeSpan.FromMilliseconds(100) : TimeSpan.Zero, _ct);
    }

    private static DateTimeOffset? Deadline(System.Text.Json.Nodes.JsonObject pod) =>
        pod.AtPath("metadata.deletionTimestamp") is { } s &&
        DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    protected override async Task ReconcileAsync(string key, CancellationToken ct)
    {
        var pod = _pods.Get(key);
        if (pod is null || Deadline(pod) is not { } deadline) return;
        if (_clock.GetUtcNow() < deadline)
        {
            Queue.AddAfter(key, deadline - _clock.GetUtcNow() + TimeSpan.FromMilliseconds(100), ct);
            return;
        }
        try { await _svc.DeleteAsync(ApiResources.Pods, pod.Namespace(), pod.Name()!, gracePeriodSeconds: 0, ct: ct); }
        catch (ApiError e) when (e.Code == 404) { }
    }
}
