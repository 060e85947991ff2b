using Podnet.Agent.Overlay.Subnet;

namespace Podnet.Agent.Overlay.Backend.HostGw;

/// <summary>host-gw: no device, no encapsulation; each remote subnet is routed via the remote
/// node's underlay address, which therefore must be on our L2 segment.</summary>
public sealed class HostGwBackend(BackendContext ctx) : IBackend
{
    public string Type => "host-gw";

    // Pod packets leave through the underlay itself: pods may use whatever GSO size it has (BIG TCP).
    public BackendAttrs Prepare() => new(ctx.Underlay.Mtu, PodGsoMaxSize: ctx.Underlay.GsoMaxSize);

    public INetwork Start(SubnetLease own) => new HostGwNetwork(ctx, own);

    public void Dispose() { }
}

/// <summary>The host-gw route loop: one route per adjacent remote node, a named error per other one.</summary>
public sealed class HostGwNetwork(BackendContext ctx, SubnetLease own) : INetwork
{
    public SubnetLease Own => own;

    public IReadOnlyList<string> Reconcile(IReadOnlyCollection<SubnetLease> remotes)
    {
        var problems = new List<string>();
        var routes = new List<Linux.Netlink.Route>();
        foreach (var l in remotes)
        {
            if (!ctx.Underlay.IsAdjacent(l.PublicIp))
            {
                problems.Add($"host-gw cannot route {l.Subnet} to node {l.Node}: its address {l.PublicIp} is not on the same L2 segment as {ctx.Underlay.Name} ({ctx.Underlay.Segment}); use the vxlan or udp backend across routers");
                continue;
            }
            routes.Add(RouteReconciler.Via(l.Subnet, l.PublicIp, ctx.Underlay.Index));
        }
        RouteReconciler.Reconcile(ctx.Rtnl, ctx.Config, routes);
        return problems;
    }

    public void Dispose() { }
}
