using System.Text.Json.Nodes;
using Podnet.Api.Client;
using Podnet.Api.Json;
using Podnet.Api.Models;
using Podnet.Api.Resources;
using Podnet.Api.Selectors;
using Podnet.ControlPlane.Server;

namespace Podnet.ControlPlane.Controllers;

/// <summary>Keeps the EndpointSlices of every selector Service equal to what
/// <see cref="EndpointSliceBuilder"/> computes from the pods, and removes them with the Service.</summary>
public sealed class EndpointSliceController : QueueController
{
    private readonly ResourceService _svc;
    private readonly LocalInformer _services, _pods, _slices;

    public EndpointSliceController(ResourceService svc) : base("endpointslice")
    {
        _svc = svc;
        _services = new LocalInformer(svc, ApiResources.Services);
        _pods = new LocalInformer(svc, ApiResources.Pods);
        _slices = new LocalInformer(svc, ApiResources.EndpointSlices);
        _services.OnChange((_, s, _) => Queue.Add(LocalInformer.Key(s)));
        _pods.OnChange((_, pod, old) =>
        {
            var ns = pod.Namespace();
            foreach (var s in _services.Items)
            {
                if (s.Namespace() != ns || s["spec"]?["selector"] is not JsonObject) continue;
                var sel = LabelSelector.FromMap(KubeJson.As<Dictionary<string, string>>(s["spec"]!["selector"]!));
                if (sel.Matches(pod) || (old is not null && sel.Matches(old))) Queue.Add(LocalInformer.Key(s));
            }
        });
        _slices.OnChange((_, slice, _) =>
        {
            var labels = slice.Labels();
            if (labels.GetValueOrDefault(EndpointSlice.ManagedByLabel) == EndpointSliceBuilder.ManagedBy &&
                labels.TryGetValue(EndpointSlice.ServiceNameLabel, out var svcName))
                Queue.Add($"{slice.Namespace()}/{svcName}");
        });
    }

    protected override IReadOnlyList<LocalInformer> Informers => [_services, _pods, _slices];

    protected override Task OnSyncedAsync(CancellationToken ct)
    {
        foreach (var s in _services.Items) Queue.Add(LocalInformer.Key(s));
        foreach (var s in _slices.Items)
            if (s.Labels().TryGetValue(EndpointSlice.ServiceNameLabel, out var n)) Queue.Add($"{s.Namespace()}/{n}");
        return Task.CompletedTask;
    }

    protected override async Task ReconcileAsync(string key, CancellationToken ct)
    {
        var ns = key[..key.IndexOf('/')];
        var name = key[(key.IndexOf('/') + 1)..];
        var svcObj = _services.Get(key);
        var desired = svcObj is null ? [] :
            EndpointSliceBuilder.Build(KubeJson.As<Service>(svcObj), _pods.Items.Where(p => p.Namespace() == ns).Select(KubeJson.As<Pod>));
        var existing = _slices.Items.Where(s => s.Namespace() == ns &&
            s.Labels().GetValueOrDefault(EndpointSlice.ServiceNameLabel) == name &&
            s.Labels().GetValueOrDefault(EndpointSlice.ManagedByLabel) == EndpointSliceBuilder.ManagedBy).ToList();

        foreach (var want in desired)
        {
            var wantObj = KubeJson.From(want);
            var have = existing.FirstOrDefault(e => e.Name() == want.Metadata.Name);
            if (have is null)
            {
                try { await _svc.CreateAsync(ApiResources.EndpointSlices, ns, wantObj, ct: ct); }
                catch (ApiError e) when (e.Reason == "AlreadyExists") { await ReplaceAsync(ns, wantObj, ct); }
                continue;
            }
            if (!Same(have, wantObj)) await ReplaceAsync(ns, wantObj, ct);
        }
        foreach (var stale in existing.Where(e => desired.All(d => d.Metadata.Name != e.Name())))
        {
            try { await _svc.DeleteAsync(ApiResources.EndpointSlices, ns, stale.Name()!, ct: ct); }
            catch (ApiError e) when (e.Code == 404) { }
        }
    }

    private Task ReplaceAsync(string ns, JsonObject want, CancellationToken ct) =>
        _svc.GuaranteedUpdateAsync(ApiResources.EndpointSlices, ns, want.Name()!, cur =>
        {
            if (Same(cur, want)) return null;
            foreach (var f in new[] { "endpoints", "ports", "addressType" }) cur[f] = want[f]?.DeepClone();
            var meta = cur.Metadata();
            meta["labels"] = want["metadata"]!["labels"]!.DeepClone();
            meta["ownerReferences"] = want["metadata"]!["ownerReferences"]!.DeepClone();
            return cur;
        }, ct: ct);

    /// <summary>Compares the fields this controller owns, through the typed view (so defaults and
    /// key order do not matter).</summary>
    private static bool Same(JsonObject have, JsonObject want)
    {
        var h = KubeJson.From(KubeJson.As<EndpointSlice>(have));
        foreach (var f in new[] { "endpoints", "ports", "addressType" })
            if (!KubeJson.DeepEquals(h[f], want[f])) return false;
        return KubeJson.DeepEquals(h["metadata"]?["labels"], want["metadata"]?["labels"]) &&
               KubeJson.DeepEquals(h["metadata"]?["ownerReferences"], want["metadata"]?["ownerReferences"]);
    }
}
