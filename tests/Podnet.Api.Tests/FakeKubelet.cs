using System.Text.Json.Nodes;
using Podnet.Api.Client;
using Podnet.Api.Json;
using Podnet.Api.Resources;

namespace Podnet.Api.Tests;

/// <summary>Plays the lab kubelet's API side for controller tests: bound pods get an IP and
/// become Running/Ready through pods/status; terminating pods are removed with grace 0.</summary>
public sealed class FakeKubelet : IAsyncDisposable
{
    private readonly ApiClient _api;
    private readonly Informer _informer;
    private int _nextIp = 10;
    private readonly HashSet<string> _done = [];

    /// <summary>Pods it matches are left alone: not made ready, not removed when terminating.</summary>
    public Func<JsonObject, bool> KeepUnready { get; set; } = _ => false;

    public FakeKubelet(ApiClient api)
    {
        _api = api;
        _informer = new Informer(api, ApiResources.Pods, e => _ = HandleAsync(e));
        _informer.Start();
    }

    private async Task HandleAsync(InformerEvent e)
    {
        if (e.Type == WatchEventType.Deleted) return;
        var pod = e.Object;
        var ns = pod.Namespace();
        var name = pod.Name()!;
        try
        {
            if (KeepUnready(pod)) return; // a slow kubelet: neither ready nor finished terminating
            if (pod.AtPath("metadata.deletionTimestamp") is not null)
            {
                await _api.DeleteAsync(ApiResources.Pods, ns, name, gracePeriodSeconds: 0);
                return;
            }
            if (pod.AtPath("spec.nodeName") is not { Length: > 0 }) return;
            lock (_done) if (!_done.Add($"{ns}/{name}/{pod.Uid()}")) return;
            var ip = $"10.244.9.{Interlocked.Increment(ref _nextIp)}";
            var status = KubeJson.Parse("""
                {"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"},{"type":"ContainersReady","status":"True"}]}}
                """);
            status["status"]!["podIP"] = ip;
            status["status"]!["podIPs"] = new JsonArray(new JsonObject { ["ip"] = ip });
            await _api.PatchAsync(ApiResources.Pods, ns, name, status, "status");
        }
        catch (ApiException) { /* raced with a delete */ }
    }

    public async ValueTask DisposeAsync() => await _informer.DisposeAsync();
}
