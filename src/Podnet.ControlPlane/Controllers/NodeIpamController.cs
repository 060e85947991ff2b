using System.Text.Json.Nodes;
using Podnet.Api.Client;
using Podnet.Api.Json;
using Podnet.Api.Resources;
using Podnet.Api.Validation;
using Podnet.ControlPlane.Allocation;
using Podnet.ControlPlane.Server;

namespace Podnet.ControlPlane.Controllers;

/// <summary>Gives every node a pod CIDR (a /24 of 10.244.0.0/16), like kube-controller-manager's
/// --allocate-node-cidrs. The CIDR lives in the Node object, so it is stable across restarts;
/// a deleted node's CIDR becomes free again.</summary>
public sealed class NodeIpamController : QueueController
{
    private readonly ResourceService _svc;
    private readonly LocalInformer _nodes;
    private readonly SubnetAllocator _cidrs;

    public NodeIpamController(ResourceService svc, Cidr clusterCidr, int maskSize) : base("node-ipam")
    {
        _svc = svc;
        _cidrs = new SubnetAllocator(clusterCidr, maskSize);
        _nodes = new LocalInformer(svc, ApiResources.Nodes);
        _nodes.OnChange((type, node, old) =>
        {
            if (type == WatchEventType.Deleted)
            {
                if (PodCidr(node) is { } c) _cidrs.Release(c);
                return;
            }
            Queue.Add(node.Name()!);
        });
    }

    protected override IReadOnlyList<LocalInformer> Informers => [_nodes];

    protected override Task OnSyncedAsync(CancellationToken ct)
    {
        // First mark what existing nodes hold, then fill in the rest.
        foreach (var n in _nodes.Items) if (PodCidr(n) is { } c) _cidrs.TryAllocate(c);
        foreach (var n in _nodes.Items) Queue.Add(n.Name()!);
        return Task.CompletedTask;
    }

    protected override async Task ReconcileAsync(string key, CancellationToken ct)
    {
        var node = _nodes.Get(key);
        if (node is null) return;
        if (PodCidr(node) is { } existing)
        {
            _cidrs.TryAllocate(existing); // e.g. set by hand on create
            return;
        }
        var cidr = _cidrs.AllocateNext() ?? throw new InvalidOperationException($"node {key}: no free /{_cidrs.SubnetPrefix} left in {_cidrs.Cidr}");
        try
        {
            await _svc.GuaranteedUpdateAsync(ApiResources.Nodes, null, key, n =>
            {
                if (PodCidr(n) is not null) return null;
                if (n["spec"] is not JsonObject spec) n["spec"] = spec = new JsonObject();
                spec["podCIDR"] = cidr.ToString();
                spec["podCIDRs"] = new JsonArray(cidr.ToString());
                return n;
            }, ct: ct);
            var now = await _svc.TryGetAsync(ApiResources.Nodes, null, key, ct);
            if (now is null || PodCidr(now)?.ToString() != cidr.ToString()) _cidrs.Release(cidr);
        }
        catch (ApiError e) when (e.Code == 404) { _cidrs.Release(cidr); }
        catch
        {
            _cidrs.Release(cidr);
            throw;
        }
    }

    private static Cidr? PodCidr(JsonObject node) =>
        node.AtPath("spec.podCIDR") is { Length: > 0 } s && Cidr.TryParse(s, out var c) ? c : null;
}
